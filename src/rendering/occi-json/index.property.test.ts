import { describeParserProperties } from '../properties.testing.js';
import { occiJson } from './index.js';

describeParserProperties(occiJson);
