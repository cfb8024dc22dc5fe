/** The OCCI model: categories, entities and their rules, as types and data. No I/O, no HTTP. */
export * from './action.js';
export * from './attribute.js';
export * from './category.js';
export * from './core.js';
export * from './entity.js';
export * from './infrastructure/index.js';
export * from './input.js';
export * from './instantiate.js';
export * from './kind.js';
export { giveKeptSlot, keptSlot, type KeptSlot } from './kept.js';
export * from './mixin.js';
export * from './model.js';
export { MAX_USER_DEPENDS, MAX_USER_DEPTH, MAX_USER_LOCATION, checkLocation } from './user-mixin.js';
export * from './standard.js';
export { missingKind, suggestTypeIds, unknownCategory } from './suggest.js';
export * from './state-machine.js';
export * from './filter.js';
