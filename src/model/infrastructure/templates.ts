import { Mixin } from '../mixin.js';
import { COMPUTE } from './compute.js';
import { INFRA } from './scheme.js';

/**
 * OCCI Infrastructure 1.2 §8: the two template families. Provider templates
 * (OS images, flavours) are mixins that depend on one of these; backends add
 * them to the model at start.
 */
export const OS_TPL = new Mixin({
  scheme: INFRA,
  term: 'os_tpl',
  title: 'OS template',
  location: '/mixin/os_tpl/',
  applies: [COMPUTE],
});

export const RESOURCE_TPL = new Mixin({
  scheme: INFRA,
  term: 'resource_tpl',
  title: 'Resource template',
  location: '/mixin/resource_tpl/',
  applies: [COMPUTE],
});
