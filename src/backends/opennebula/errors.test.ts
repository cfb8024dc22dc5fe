import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuthenticationError, BackendTimeoutError, BackendUnavailableError, ConflictError, ForbiddenUserError,
  InternalError, NotFoundError, ValidationError, type OcciError,
} from '../../errors.js';
import {
  ONED_ERROR, OnedError, OnedTimeoutError, OnedUnreachableError, toOcciError, XmlRpcFault, XmlRpcProtocolError,
} from './errors.js';

describe('toOcciError()', () => {
  const table: Array<[name: string, err: unknown, cls: new (...a: never[]) => OcciError, status: number, text: RegExp]> = [
    ['AUTHENTICATION', new OnedError('one.vm.info', "[one.vm.info] User couldn't be authenticated, aborting call.", ONED_ERROR.AUTHENTICATION),
      AuthenticationError, 401, /authenticated/],
    ['AUTHORIZATION', new OnedError('one.vm.action', '[one.vm.action] User [2] : Not authorized to perform MANAGE VM [0].', 512, 0),
      ForbiddenUserError, 403, /MANAGE VM \[0\]/],
    ['NO_EXISTS', new OnedError('one.vm.info', '[one.vm.info] Error getting virtual machine [99].', 1024, 99),
      NotFoundError, 404, /virtual machine \[99\]/],
    ['ACTION', new OnedError('one.vm.action', '[one.vm.action] Error performing action "suspend": This action is not available for state POWEROFF', 2048, 3),
      ConflictError, 409, /not available for state POWEROFF/],
    ['LOCKED', new OnedError('one.vm.action', '[one.vm.action] The resource virtual machine is locked. [3].', 0x8000, 3),
      ConflictError, 409, /locked/],
    ['quota (AUTHORIZATION)', new OnedError('one.template.instantiate', '[one.template.instantiate] User [2] : user [2] limit of 2 reached for VMS quota in VM.', 512),
      ForbiddenUserError, 403, /quota exceeded/],
    ['quota reported as ACTION', new OnedError('one.vm.action', '[one.vm.action] user [2] limit of 4 reached for RUNNING_CPU quota in VM', 2048),
      ForbiddenUserError, 403, /RUNNING_CPU/],
    ['INTERNAL (a refused template)', new OnedError('one.vm.allocate', '[one.vm.allocate] MEMORY attribute must be a positive integer value.', 8192),
      ValidationError, 400, /refused the request: .*MEMORY/],
    ['ALLOCATE (a name taken)', new OnedError('one.image.allocate', '[one.image.allocate] Error allocating a new image. NAME is already taken by IMAGE 3.', 0x4000),
      ValidationError, 400, /already taken/],
    ['INTERNAL (no free lease)', new OnedError('one.vm.allocate', '[one.vm.allocate] Cannot get IP/MAC lease from virtual network 1.', 8192),
      ConflictError, 409, /cannot do it now/],
    ['INTERNAL (anything else)', new OnedError('one.vmpool.infoextended', '[one.vmpool.infoextended] Error getting pool.', 8192),
      BackendUnavailableError, 503, /failed one\.vmpool\.infoextended \(code 8192\)/],
    ['XML_RPC_API (our bug)', new OnedError('one.vmpool.info', '[one.vmpool.info] Incorrect filter_flag', 0x1000),
      InternalError, 500, /code 4096/],
    ['unreachable', new OnedUnreachableError('one.vm.info', 'ECONNREFUSED'), BackendUnavailableError, 503, /oned\) is unreachable; one\.vm\.info/],
    ['timeout', new OnedTimeoutError('one.vmpool.infoextended', 2000), BackendTimeoutError, 504, /oned\) did not answer one\.vmpool\.infoextended within 2000 ms/],
    ['not XML-RPC', new XmlRpcProtocolError('HTTP 502', 502), BackendUnavailableError, 503, /no XML-RPC answer/],
    ['fault', new XmlRpcFault(-501, 'Not enough parameters'), InternalError, 500, /rejected the call/],
    ['anything else', new Error('boom'), InternalError, 500, /boom/],
  ];
  for (const [name, err, cls, status, text] of table) {
    it(`maps ${name} to ${cls.name} (${status}), keeping the original as cause`, () => {
      const mapped = toOcciError(err, (err as { method?: string }).method ?? 'one.vm.info');
      assert.ok(mapped instanceof cls, `${mapped.constructor.name} is not ${cls.name}`);
      assert.match(mapped.message, text);
      assert.equal(mapped.cause, err);
    });
  }

  it('gives ACTION the conflict-state code and passes OcciErrors through', () => {
    const mapped = toOcciError(new OnedError('one.vm.action', 'x', ONED_ERROR.ACTION), 'one.vm.action');
    assert.equal(mapped.code, 'OCCI_ERR_CONFLICT_STATE');
    const nf = new NotFoundError('gone');
    assert.equal(toOcciError(nf, 'one.vm.info'), nf);
  });

  it('names the code of an OnedError', () => {
    assert.equal(new OnedError('m', 'x', 256).codeName, 'AUTHENTICATION');
    assert.equal(new OnedError('m', 'x', 3).codeName, undefined);
  });
});
