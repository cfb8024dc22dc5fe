/** HTTP: the OCCI request pipeline (app.ts), its routes and handlers, and the node:http wiring (server.ts). */
export { createApp, SERVER_HEADER, VERSION, type AppOptions } from './app.js';
export { ERROR_STATUS, errorStatus } from './error-status.js';
export type { OcciRequest, OcciResponse } from './exchange.js';
export { listen, type RunningServer, type ServerOptions } from './server.js';
export { withCors } from './cors.js';
export { clientAddress, forwardedOrigin } from './forwarded.js';
