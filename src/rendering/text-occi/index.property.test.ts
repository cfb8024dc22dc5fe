import { describeParserProperties } from '../properties.testing.js';
import { textOcci } from './index.js';

describeParserProperties(textOcci);
