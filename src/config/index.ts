/** Configuration: flags, OCCI_* environment and a YAML file, merged and checked in one place. */
export { ConfigError, USAGE, checkConfig, isLoopback, loadConfig, printableConfig, usage, type Loaded } from './load.js';
export { DEFAULTS, KEYS, type Config, type SectionSetting, type Sections } from './schema.js';
