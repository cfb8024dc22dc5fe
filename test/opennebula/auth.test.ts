/** `--auth opennebula`: the authenticator contract with oned (the simulator) checking the passwords through the backend. */
import { DelegatedAuthenticator } from '../../src/auth/index.js';
import { describeAuthenticator } from '../../src/auth/authenticator.contract.js';
import { onedSubject } from './_setup.js';

const header = (user: string, password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });

describeAuthenticator('opennebula (oned simulator)', async () => {
  const o = await onedSubject();
  return {
    authenticator: new DelegatedAuthenticator({ scheme: 'opennebula', check: o.backend.authenticate.bind(o.backend) }),
    good: header('bob', 'bob-pw'),
    user: 'bob',
    groups: ['users'],
    wrong: { 'wrong password': header('bob', 'alice-pw'), 'unknown user': header('carol', 'bob-pw') },
    close: () => o.teardown(),
  };
});
