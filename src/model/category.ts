import type { AttributeDefinition } from './attribute.js';

export type CategoryClass = 'kind' | 'mixin' | 'action';

/** Term syntax of OCCI 1.2 text rendering: `(ALPHA / DIGIT) *(ALPHA / DIGIT / "-" / "_" / ".")`. */
export const TERM = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * What Kind, Mixin and Action share (OCCI Core §3). Identity is
 * `scheme + term`, compared as exact strings.
 */
export abstract class Category {
  abstract readonly class: CategoryClass;
  readonly scheme: string;
  readonly term: string;
  readonly title: string | undefined;
  /** Attributes this category introduces, by name, in declaration order. */
  readonly attributes: ReadonlyMap<string, AttributeDefinition>;
  /** `scheme + term`. */
  readonly id: string;

  constructor(init: { scheme: string; term: string; title?: string; attributes?: readonly AttributeDefinition[] }) {
    this.scheme = init.scheme;
    this.term = init.term;
    this.title = init.title;
    this.attributes = new Map((init.attributes ?? []).map((a) => [a.name, a]));
    this.id = init.scheme + init.term;
  }
}

/** Splits a type identifier at its last `#`: the scheme keeps the `#`. */
export function splitTypeId(typeId: string): { scheme: string; term: string } | undefined {
  const i = typeId.lastIndexOf('#');
  if (i < 0 || i === typeId.length - 1) return undefined;
  return { scheme: typeId.slice(0, i + 1), term: typeId.slice(i + 1) };
}
