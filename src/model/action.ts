import type { AttributeDefinition } from './attribute.js';
import { Category } from './category.js';

/** An invocable operation (OCCI Core §8); its attributes are the call's parameters. */
export class Action extends Category {
  readonly class = 'action' as const;
  constructor(init: { scheme: string; term: string; title?: string; attributes?: readonly AttributeDefinition[] }) {
    super(init);
  }
}
