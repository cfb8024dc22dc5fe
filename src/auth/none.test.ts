import { describeAuthenticator } from './authenticator.contract.js';
import { NoneAuthenticator } from './none.js';

describeAuthenticator('none', async () => ({
  authenticator: new NoneAuthenticator(),
  good: { headers: {} },
  user: 'anonymous',
  groups: [],
  wrong: {},
  close: async () => {},
}));
