/** @module A stateful simulator of OpenNebula's oned XML-RPC API, for the OpenNebula backend's tests and for trying it by hand. */
export { startOnedSimulator, type InjectedFault, type OnedSimulator, type OnedSimulatorOptions, type SimUser } from './server.js';
export { CODE } from './rpc.js';
export { LCM, STATE } from './vm-states.js';
export type { StepMode } from './state.js';
