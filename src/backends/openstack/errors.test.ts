import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuthenticationError,
  BackendTimeoutError,
  BackendUnavailableError,
  ConflictError,
  ForbiddenUserError,
  InternalError,
  NotFoundError,
  NotImplementedError,
  OcciError,
  RateLimitedError,
  ValidationError,
} from '../../errors.js';
import { fixture } from './replay.testing.js';
import { OpenStackError, parseErrorBody, toOcciError, type FailureKind, type ServiceName } from './errors.js';

const bodyOf = (name: string) => {
  const f = fixture(name);
  return typeof f.body === 'string' ? f.body : JSON.stringify(f.body);
};

describe('parseErrorBody() on bodies recorded from Zed', () => {
  const table: Array<[file: string, status: number, type: string, reason: RegExp]> = [
    ['nova-404', 404, 'itemNotFound', /^Instance 0{8}-0000-4000-8000-0{12} could not be found\.$/],
    ['nova-409', 409, 'conflictingRequest', /^Cannot 'start' instance .* while it is in vm_state active$/],
    ['nova-400', 400, 'badRequest', /^Flavor no-such-flavor could not be found\.$/],
    ['nova-401', 401, 'Unauthorized', /requires authentication/],
    ['neutron-404', 404, 'NetworkNotFound', /^Network 0{8}-.* could not be found\.$/],
    ['cinder-404', 404, 'itemNotFound', /^Volume 0{8}-.* could not be found\.$/],
    ['cinder-400', 400, 'badRequest', /^Invalid volume: Volume status must be available/],
    ['glance-404', 404, 'Not Found', /^No image found with ID 0{8}-0000-4000-8000-0{12}$/],
    ['keystone-401', 401, 'Unauthorized', /requires authentication/],
  ];
  for (const [file, status, type, reason] of table) {
    it(`reads ${file}: type ${type}, OpenStack's message without HTML`, () => {
      assert.equal(fixture(file).status, status);
      const parsed = parseErrorBody(status, bodyOf(file));
      assert.equal(parsed.type, type);
      assert.match(parsed.reason, reason);
    });
  }
});

describe('parseErrorBody() on other shapes', () => {
  it('reads overLimit with retryAfter, placement errors, plain text and HTML, and an empty body', () => {
    assert.deepEqual(parseErrorBody(413, '{"overLimit": {"code": 413, "message": "Quota exceeded for cores", "retryAfter": "0"}}'), {
      type: 'overLimit',
      reason: 'Quota exceeded for cores',
      retryAfter: 0,
    });
    assert.deepEqual(parseErrorBody(409, '{"errors": [{"status": 409, "title": "Conflict", "detail": "resource provider generation conflict"}]}'), {
      type: 'Conflict',
      reason: 'resource provider generation conflict',
    });
    assert.deepEqual(parseErrorBody(503, '<html><body><h1>503 Service Unavailable</h1>\nNo server is available.</body></html>', 'Service Unavailable'), {
      type: 'Service Unavailable',
      reason: '503 Service Unavailable No server is available.',
    });
    assert.deepEqual(parseErrorBody(502, '', 'Bad Gateway'), { type: 'Bad Gateway', reason: 'Bad Gateway' });
    assert.deepEqual(parseErrorBody(500, '', ''), { type: 'HTTP 500', reason: 'HTTP 500' });
  });
});

const err = (status: number, type: string, reason: string, kind: FailureKind = 'http', service: ServiceName = 'nova') =>
  new OpenStackError({ service, endpoint: 'http://127.0.0.1:8774/v2.1', method: 'GET', path: '/servers/x', kind, status, type, reason });

describe('toOcciError()', () => {
  const table: Array<[what: string, input: OpenStackError, cls: new (...a: any[]) => OcciError, status: number, message: RegExp]> = [
    ['400', err(400, 'badRequest', 'Flavor x could not be found.'), ValidationError, 400, /^Flavor x could not be found\.$/],
    ['401', err(401, 'Unauthorized', 'The request you have made requires authentication.'), AuthenticationError, 401, /requires authentication/],
    ['403', err(403, 'forbidden', "Policy doesn't allow os_compute_api:servers:create to be performed."), ForbiddenUserError, 403, /Policy/],
    ['403 quota (nova)', err(403, 'forbidden', 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances'), ForbiddenUserError, 403, /^Quota exceeded/],
    ['413 overLimit (nova, old; cinder)', err(413, 'overLimit', 'VolumeSizeExceedsAvailableQuota: Requested volume exceeds quota'), ForbiddenUserError, 403, /exceeds quota/],
    ['409 OverQuota (neutron)', err(409, 'OverQuota', 'Quota exceeded for resources: [floatingip].', 'http', 'neutron'), ForbiddenUserError, 403, /floatingip/],
    ['404', err(404, 'itemNotFound', 'Instance x could not be found.'), NotFoundError, 404, /^Instance x could not be found\.$/],
    ['409', err(409, 'conflictingRequest', "Cannot 'start' instance x while it is in vm_state active"), ConflictError, 409, /vm_state active/],
    ['429', err(429, 'Too Many Requests', 'slow down'), RateLimitedError, 429, /slow down/],
    ['501', err(501, 'HTTPNotImplemented', 'Unable to suspend: not supported by the driver'), NotImplementedError, 501, /nova cannot do this: .*suspend/],
    ['500', err(500, 'computeFault', 'Unexpected API Error.'), BackendUnavailableError, 503, /^nova at http:\/\/127\.0\.0\.1:8774\/v2\.1 unavailable: 500 Unexpected API Error\.$/],
    ['503', err(503, 'Service Unavailable', 'down'), BackendUnavailableError, 503, /nova at .* unavailable/],
    ['refused', err(0, 'unreachable', 'connect ECONNREFUSED 127.0.0.1:8774', 'unreachable'), BackendUnavailableError, 503, /^nova at http:\/\/127\.0\.0\.1:8774\/v2\.1 unavailable: connect ECONNREFUSED/],
    ['deadline', err(0, 'timeout', 'no answer within 1 ms', 'timeout'), BackendTimeoutError, 504, /^nova at .* did not answer in time: no answer within 1 ms$/],
    ['caller abort', err(0, 'aborted', 'the caller aborted', 'aborted'), BackendTimeoutError, 504, /nova at .*abandoned/],
    ['406 (microversion)', err(406, 'HTTPNotAcceptable', 'Version 2.99 is not supported by the API.'), InternalError, 500, /nova answered 406 .*2\.99/],
  ];
  for (const [what, input, cls, status, message] of table) {
    it(`maps ${what} to ${cls.name} (${status}) with OpenStack's message`, () => {
      const out = toOcciError(input);
      assert.ok(out instanceof cls, `${out.constructor.name} is not ${cls.name}`);
      assert.match(out.message, message);
    });
  }

  it('uses the 400 code for attributes and the 409 code for states', () => {
    assert.equal(toOcciError(err(400, 'badRequest', 'x')).code, 'OCCI_ERR_VALIDATION_ATTRIBUTE');
    assert.equal(toOcciError(err(409, 'conflictingRequest', 'x')).code, 'OCCI_ERR_CONFLICT_STATE');
  });

  it('keeps the OpenStackError as cause', () => {
    const input = err(404, 'itemNotFound', 'gone');
    assert.equal(toOcciError(input).cause, input);
    const timeout = err(0, 'timeout', 'late', 'timeout');
    assert.equal(toOcciError(timeout).cause, timeout);
  });

  it('passes OcciErrors through and wraps anything else as InternalError', () => {
    const nf = new NotFoundError('x');
    assert.equal(toOcciError(nf), nf);
    const out = toOcciError(new TypeError('boom'));
    assert.ok(out instanceof InternalError);
    assert.match(out.message, /boom/);
  });

  it('says in the OpenStackError message which service, status and call failed', () => {
    assert.equal(err(404, 'itemNotFound', 'Instance x could not be found.').message, 'nova 404 itemNotFound: Instance x could not be found. (GET /servers/x)');
    assert.equal(err(0, 'timeout', 'no answer within 1 ms', 'timeout').message, 'nova timeout: no answer within 1 ms (GET /servers/x)');
  });
});
