import { describeParserProperties } from '../../../test/reliability/properties.js';
import { occiJson } from './index.js';

describeParserProperties(occiJson);
