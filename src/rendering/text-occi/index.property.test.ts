import { describeParserProperties } from '../../../test/reliability/properties.js';
import { textOcci } from './index.js';

describeParserProperties(textOcci);
