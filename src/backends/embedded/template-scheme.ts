import type { Model } from '../../model/index.js';
import type { Op } from './op.js';
import type { Store } from './store.js';

/** `<scheme>os_tpl#<term>` or `<scheme>resource_tpl#<term>`: a configured template's type id (templates.ts). */
const TEMPLATE_ID = /^(.+?)(?:os_tpl|resource_tpl)#[^#]*$/;

/**
 * The distinct mixins of all memberships, one index seek each (a skip scan):
 * a start on 100,000 computes reads a handful of index entries, not all of them.
 */
const DISTINCT_MIXINS = `
  WITH RECURSIVE m(id) AS (
    SELECT min(mixin) FROM memberships
    UNION ALL SELECT (SELECT min(mixin) FROM memberships WHERE mixin > m.id) FROM m WHERE m.id IS NOT NULL
  ) SELECT id FROM m WHERE id IS NOT NULL`;

/**
 * Refuses a data directory whose entities are associated with templates of
 * another scheme than the configured `templates.scheme`: started anyway,
 * every such association would be silently hidden (the model no longer knows
 * those ids), and computes would show neither their OS nor their size.
 * Nothing is migrated: the operator puts the old scheme back or starts on
 * another data directory. Throws a plain Error naming both schemes.
 */
export function* checkTemplateScheme(store: Store, model: Model, scheme: string, where: string): Op<void> {
  const stale = new Map<string, string>();
  const owned = new Set((yield* store.mixinRows()).map((r) => r.id));
  for (const { id } of yield* store.rows<{ id: string }>(DISTINCT_MIXINS, [])) {
    // Saved templates and user mixins are in the model whatever the scheme: only configured ones go missing.
    if (model.findMixin(id) || owned.has(id)) continue;
    const base = TEMPLATE_ID.exec(id)?.[1];
    if (base !== undefined && base !== scheme && !stale.has(base)) stale.set(base, id);
  }
  if (stale.size === 0) return;
  const [[old, example]] = [...stale];
  throw new Error(
    `templates: the data directory ${where} holds entities associated with templates of scheme ${old} (e.g. ${example}), ` +
      `but backends.embedded.templates.scheme is now ${scheme}; the server does not migrate them. ` +
      `Set templates.scheme back to ${old}, or start with another data directory.`,
  );
}
