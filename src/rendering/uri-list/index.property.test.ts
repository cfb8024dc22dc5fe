import { describeParserProperties } from '../../../test/reliability/properties.js';
import { uriList } from './index.js';

describeParserProperties(uriList);
