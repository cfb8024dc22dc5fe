/** The scheme of OCCI Infrastructure's Kinds and template parents. */
export const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
