import { describeParserProperties } from '../../../test/reliability/properties.js';
import { textPlain } from './index.js';

describeParserProperties(textPlain);
