import { describeParserProperties } from '../properties.testing.js';
import { textPlain } from './index.js';

describeParserProperties(textPlain);
