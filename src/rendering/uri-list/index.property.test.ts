import { describeParserProperties } from '../properties.testing.js';
import { uriList } from './index.js';

describeParserProperties(uriList);
