import { ValidationError } from '../../errors.js';
import { COMPUTE, Mixin, OS_TPL, type Model } from '../../model/index.js';
import type { RequestContext } from '../backend.js';
import { templateMixins } from '../embedded/index.js';
import { TtlCache } from '../ttl-cache.js';
import { asText, type OneObject } from './document.js';
import { isAbsent, numberOf, poolItems, type Session } from './session.js';
import { bodyOf, objectAt, templateXml, vectorOf, vectorsOf, type TemplateBody } from './template-xml.js';

/**
 * Templates (OCCI Infrastructure §8): os_tpl ↔ the VM templates a user may
 * use (one.templatepool.info, cached per user with a short TTL and offered to
 * that owner only), resource_tpl ↔ the sizes of the configuration, and
 * `save` ↔ one.vm.disksaveas plus a new VM template, offered to its owner.
 */

/** A VM template as oned lists it. */
export interface VmTemplate {
  readonly id: number;
  readonly name: string;
  /** Its TEMPLATE: CPU, MEMORY, DISK, NIC, CONTEXT, OS... */
  readonly body: OneObject;
}

/** A configured size (`backends.opennebula.sizes`): a resource_tpl mixin. */
export interface Size {
  readonly term: string;
  readonly title: string;
  readonly cores: number;
  /** GiB. */
  readonly memory: number;
}

/** A lower-case term oned names map to (OCCI 1.1 terms: `[a-z][a-z0-9_-]*`). */
export function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60);
  return /^[a-z]/.test(s) ? s : `t${s}`;
}

export class Templates {
  readonly osScheme: string;
  readonly resourceScheme: string;
  readonly #cache: TtlCache<VmTemplate[]>;
  /** Template ID → term, for VMs made outside OCCI (no OCCI_OS_TPL in their USER_TEMPLATE). */
  readonly #terms = new Map<number, string>();

  constructor(scheme: string, ttlMs: number) {
    this.osScheme = `${scheme}os_tpl#`;
    this.resourceScheme = `${scheme}resource_tpl#`;
    this.#cache = new TtlCache({ ttlMs, maxStaleMs: ttlMs * 20 });
  }

  /** The templates `s.user` may use, in ID order; one call per TTL. */
  async forUser(s: Session): Promise<VmTemplate[]> {
    return this.#cache.get(s.user, async () => {
      const pool = await s.doc('one.templatepool.info', 'VMTEMPLATE_POOL', -2, -1, -1);
      return poolItems(pool, 'VMTEMPLATE').map((t) => ({ id: numberOf(t.ID, 'VMTEMPLATE/ID'), name: asText(t.NAME), body: objectAt(t, 'TEMPLATE') }))
        .sort((a, b) => a.id - b.id);
    });
  }

  invalidate(user: string): void {
    this.#cache.invalidate(user);
  }

  term(t: Pick<VmTemplate, 'id' | 'name'>): string {
    const term = `${slug(t.name)}-${t.id}`;
    this.#terms.set(t.id, term);
    return term;
  }

  mixin(t: VmTemplate): Mixin {
    const term = this.term(t);
    const description = asText(t.body.DESCRIPTION);
    return new Mixin({
      scheme: this.osScheme, term, title: description === '' ? t.name : `${t.name}: ${description}`,
      depends: [OS_TPL], applies: [COMPUTE], location: `/mixin/os_tpl/${term}/`,
    });
  }

  /** The template ID an os_tpl mixin of ours stands for. */
  templateId(mixin: Mixin): number | undefined {
    const m = mixin.scheme === this.osScheme ? /-(\d+)$/.exec(mixin.term) : null;
    return m ? Number(m[1]) : undefined;
  }

  /** The os_tpl mixin id of a VM: the term it was made with, else its TEMPLATE_ID's. */
  osMixinId(term: string, templateId: string): string | undefined {
    const t = term !== '' ? term : templateId === '' ? undefined : this.#terms.get(Number(templateId));
    return t === undefined ? undefined : this.osScheme + t;
  }

  /**
   * Offers the owner their templates as os_tpl mixins (refresh); a failure
   * (oned down, no credentials) keeps the last view, never thrown.
   */
  async offer(model: Model, ctx: RequestContext, session: () => Promise<Session>): Promise<void> {
    try {
      const templates = await this.forUser(await session());
      model.offerMixins(ctx.owner, templates.map((t) => this.mixin(t)));
    } catch {
      // the request goes on with the view we have
    }
  }

  /** A template the user may use, from the cached pool or (just made, or the cache is stale) from oned. */
  async find(s: Session, id: number): Promise<VmTemplate | undefined> {
    const cached = (await this.forUser(s)).find((t) => t.id === id);
    if (cached) return cached;
    try {
      const t = await s.doc('one.template.info', 'VMTEMPLATE', id);
      return { id, name: asText(t.NAME), body: objectAt(t, 'TEMPLATE') };
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  /**
   * `save`: the VM's system disk (its first disk that is a copy of an image,
   * not a persistent image of its own) saved as a new image
   * (one.vm.disksaveas), and a VM template booting that image with the VM's
   * capacity. When the template cannot be made, the image goes again:
   * nothing half-done.
   */
  async save(s: Session, vm: OneObject, name: string): Promise<VmTemplate> {
    const vmId = numberOf(vm.ID, 'VM/ID');
    const tpl = objectAt(vm, 'TEMPLATE');
    const disks = vectorsOf(tpl, 'DISK').filter((d) => d.IMAGE_ID !== undefined);
    const disk = disks.find((d) => d.CLONE !== 'NO') ?? disks[0];
    if (!disk) throw new ValidationError('OCCI_ERR_VALIDATION_ACTION', `compute ${vmId} has no image disk to save`);
    const imageId = Number(await s.call('one.vm.disksaveas', vmId, Number(disk.DISK_ID), name, '', -1));
    const body: TemplateBody = [['NAME', name], ['DESCRIPTION', `saved from compute ${vmId} (${asText(vm.NAME)})`]];
    for (const key of ['CPU', 'VCPU', 'MEMORY']) if (asText(tpl[key]) !== '') body.push([key, asText(tpl[key])]);
    body.push(['DISK', { IMAGE_ID: imageId }], ['CONTEXT', { NETWORK: 'YES', SSH_PUBLIC_KEY: '$USER[SSH_PUBLIC_KEY]' }]);
    const os = vectorOf(tpl.OS);
    if (os?.ARCH) body.push(['OS', { ARCH: os.ARCH }]);
    const graphics = vectorOf(tpl.GRAPHICS);
    if (graphics?.TYPE) body.push(['GRAPHICS', { TYPE: graphics.TYPE, LISTEN: graphics.LISTEN ?? '0.0.0.0' }]);
    let templateId: number;
    try {
      templateId = Number(await s.call('one.template.allocate', templateXml(body)));
    } catch (err) {
      await s.call('one.image.delete', imageId, true).catch(() => undefined);
      throw err;
    }
    this.invalidate(s.user);
    return { id: templateId, name, body: { DESCRIPTION: body[1][1] as string } };
  }
}

/** The resource_tpl mixins of the configured sizes (cores, memory in GiB). */
export function resourceMixins(sizes: readonly Size[], scheme: string, model: Model): Mixin[] {
  const resource = sizes.map((s) => ({ term: s.term, title: s.title, attributes: { 'occi.compute.cores': s.cores, 'occi.compute.memory': s.memory } }));
  return templateMixins({ scheme, os: [], resource }, model);
}

/** A TEMPLATE's attributes to copy into a new VM: everything but what the VM gets from OCCI. */
export function templateBody(t: VmTemplate): TemplateBody {
  return bodyOf(t.body, new Set(['NAME', 'NIC', 'NIC_ALIAS', 'TEMPLATE_ID']));
}
