/**
 * The state machines of the infrastructure Kinds (OCCI Infrastructure 1.2,
 * §2.3, §3, §4), as data: which actions are valid in which state and where
 * they lead. Backends of real clouds learn the state from the cloud; the
 * embedded backend moves along these edges itself.
 */
export interface Transition {
  /** States in which the action may be invoked. */
  readonly from: readonly string[];
  /** State after the action; absent when it does not change the state. */
  readonly to?: string;
}

export interface StateMachine {
  /** Type id of the Kind. */
  readonly kind: string;
  /** The attribute holding the state, e.g. `occi.compute.state`. */
  readonly attribute: string;
  readonly initial: string;
  readonly states: readonly string[];
  /** Keyed by action type id. */
  readonly transitions: ReadonlyMap<string, Transition>;
}

/** Type ids of the actions valid in `state`, in the machine's declaration order. */
export function actionsInState(machine: StateMachine, state: string): string[] {
  const out: string[] = [];
  for (const [action, t] of machine.transitions) if (t.from.includes(state)) out.push(action);
  return out;
}
