import {
  AuthenticationError, BackendTimeoutError, BackendUnavailableError, ConflictError, ForbiddenUserError,
  InternalError, NotFoundError, OcciError, ValidationError,
} from '../../errors.js';

/**
 * oned's error codes, `include/Request.h` `enum ErrorCode` (see
 * ../shared/opennebula/xml-rpc.md §2). They are bit values, not HTTP-like.
 */
export const ONED_ERROR = {
  AUTHENTICATION: 0x0100,
  AUTHORIZATION: 0x0200,
  NO_EXISTS: 0x0400,
  ACTION: 0x0800,
  XML_RPC_API: 0x1000,
  INTERNAL: 0x2000,
  ALLOCATE: 0x4000,
  LOCKED: 0x8000,
  REPLICATION: 0x10000,
} as const;

export type OnedErrorName = keyof typeof ONED_ERROR;

/** oned answered `[false, message, code, object id, replication index]`. */
export class OnedError extends Error {
  readonly method: string;
  readonly code: number;
  /** The object involved, -1 when none. */
  readonly objectId: number;
  constructor(method: string, message: string, code: number, objectId = -1) {
    super(message);
    this.name = 'OnedError';
    this.method = method;
    this.code = code;
    this.objectId = objectId;
  }

  /** The code's name in `ONED_ERROR`, or `undefined` for a code oned does not define. */
  get codeName(): OnedErrorName | undefined {
    return (Object.keys(ONED_ERROR) as OnedErrorName[]).find((k) => ONED_ERROR[k] === this.code);
  }
}

/** A protocol-level `<fault>`: the call never reached OpenNebula's code (unknown method, bad parameter). */
export class XmlRpcFault extends Error {
  readonly faultCode: number;
  readonly faultString: string;
  constructor(faultCode: number, faultString: string) {
    super(`XML-RPC fault ${faultCode}: ${faultString}`);
    this.name = 'XmlRpcFault';
    this.faultCode = faultCode;
    this.faultString = faultString;
  }
}

/** The answer was not an XML-RPC response (HTTP error status, HTML from a proxy, broken XML). */
export class XmlRpcProtocolError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XmlRpcProtocolError';
    this.status = status;
  }
}

/** No answer: the connection was refused, reset or closed before a response arrived. */
export class OnedUnreachableError extends Error {
  readonly method: string;
  /** The system error code when known (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, ...). */
  readonly reason: string | undefined;
  constructor(method: string, reason: string | undefined, options?: { cause?: unknown }) {
    super(`oned is unreachable (${method}${reason ? `: ${reason}` : ''})`, options);
    this.name = 'OnedUnreachableError';
    this.method = method;
    this.reason = reason;
  }
}

/** oned did not answer within the call's time limit. */
export class OnedTimeoutError extends Error {
  readonly method: string;
  readonly timeoutMs: number;
  constructor(method: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(`oned did not answer ${method} within ${timeoutMs} ms`, options);
    this.name = 'OnedTimeoutError';
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}

// Request.cc/Quota.cc: "... limit of <n> reached for <METRIC> quota in <VM|IMAGE|...>".
const QUOTA = /limit of \S+ reached for \S+ quota/i;
/**
 * INTERNAL and ALLOCATE answers that reject what was asked (xml-rpc.md §2:
 * template checks, names, unknown references): the client's request, 400.
 */
const REFUSED_INPUT = new RegExp([
  'attribute must be', 'must be a positive', 'Invalid NAME', 'already taken', 'syntax error', 'Parse error', 'No NAME',
  'No VN_MAD', 'Unknown type', 'does not exist', 'Error getting (virtual network|image|virtual machine template)',
  'Only IP4', 'SIZE must', 'restricted attribute', 'volatile disk',
].join('|'), 'i');
/** INTERNAL and ALLOCATE answers that say the cloud has no room or the object is busy now: 409. */
const NO_ROOM = /Cannot get IP\/MAC lease|Not enough space|Cannot acquire image|has to be RUNNING|locked/i;

/**
 * Maps what the OpenNebula client threw into the one error hierarchy, keeping
 * it as `cause`. `method` names the oned call for the message. INTERNAL and
 * ALLOCATE are told apart by message: a refused template, name or reference
 * is the client's (ValidationError, 400), no free lease or space a conflict
 * (409), anything else oned failing (BackendUnavailableError, 503: the error
 * table has no 502). XML_RPC_API and protocol faults are our own bug
 * (InternalError): the backend sent a parameter oned does not take.
 */
export function toOcciError(err: unknown, method: string): OcciError {
  if (err instanceof OcciError) return err;
  const cause = { cause: err };
  if (err instanceof OnedError) {
    if (QUOTA.test(err.message)) return new ForbiddenUserError(`OpenNebula quota exceeded: ${err.message}`, cause);
    switch (err.code) {
      case ONED_ERROR.AUTHENTICATION:
        return new AuthenticationError(`OpenNebula did not accept the credentials: ${err.message}`, [], cause);
      case ONED_ERROR.AUTHORIZATION:
        return new ForbiddenUserError(`OpenNebula refused: ${err.message}`, cause);
      case ONED_ERROR.NO_EXISTS:
        return new NotFoundError(`not found in OpenNebula: ${err.message}`, cause);
      case ONED_ERROR.ACTION:
      case ONED_ERROR.LOCKED:
        return new ConflictError('OCCI_ERR_CONFLICT_STATE', err.message, cause);
      case ONED_ERROR.INTERNAL:
      case ONED_ERROR.ALLOCATE:
        if (NO_ROOM.test(err.message)) return new ConflictError('OCCI_ERR_CONFLICT_STATE', `OpenNebula cannot do it now: ${err.message}`, cause);
        if (REFUSED_INPUT.test(err.message)) return new ValidationError('OCCI_ERR_VALIDATION_ATTRIBUTE', `OpenNebula refused the request: ${err.message}`, cause);
        return new BackendUnavailableError(`OpenNebula (oned) failed ${method} (code ${err.code}): ${err.message}`, cause);
      default:
        return new InternalError(`oned refused ${method} (code ${err.code}): ${err.message}`, cause);
    }
  }
  if (err instanceof OnedUnreachableError) {
    return new BackendUnavailableError(`OpenNebula (oned) is unreachable; ${method} failed${err.reason ? ` (${err.reason})` : ''}`, cause);
  }
  if (err instanceof OnedTimeoutError) {
    return new BackendTimeoutError(`OpenNebula (oned) did not answer ${method} within ${err.timeoutMs} ms`, cause);
  }
  if (err instanceof XmlRpcProtocolError) {
    return new BackendUnavailableError(`OpenNebula (oned) gave no XML-RPC answer to ${method}: ${err.message}`, cause);
  }
  if (err instanceof XmlRpcFault) {
    return new InternalError(`oned rejected the call ${method}: ${err.message}`, cause);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(`OpenNebula backend, ${method}: ${message}`, cause);
}
