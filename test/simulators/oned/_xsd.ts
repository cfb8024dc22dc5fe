import { readdirSync, readFileSync } from 'node:fs';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';

/** The upstream schemas, ../shared/opennebula/xsd/ beside the repository. */
export const XSD_DIR = new URL('../../../../shared/opennebula/xsd/', import.meta.url);

let files: XMLFileInfo[] | undefined;
function schemaFiles(): XMLFileInfo[] {
  files ??= readdirSync(XSD_DIR).filter((f) => f.endsWith('.xsd')).sort()
    .map((fileName) => ({ fileName, contents: readFileSync(new URL(fileName, XSD_DIR), 'utf8') }));
  return files;
}

/**
 * oned's documents have no namespace; the XSDs declare one with
 * elementFormDefault="qualified", so a copy gets it as default namespace on
 * its root (../shared/opennebula/README.md, step 4).
 */
export const withNamespace = (doc: string): string => doc.replace(/^<([A-Z_]+)/, '<$1 xmlns="http://opennebula.org/XMLSchema"');

/**
 * Validates documents against one entry schema, the whole folder preloaded
 * (the schemas use xs:include); returns libxml2's messages, empty when valid.
 */
export async function validate(entry: string, docs: ReadonlyArray<{ name: string; xml: string }>): Promise<string[]> {
  const all = schemaFiles();
  const schema = all.find((f) => f.fileName === entry);
  if (!schema) throw new Error(`no schema ${entry} in ${XSD_DIR.pathname}`);
  const result = await validateXML({
    xml: docs.map((d, i) => ({ fileName: `${i}-${d.name.replace(/[^\w.-]/g, '_')}.xml`, contents: withNamespace(d.xml) })),
    schema: [schema],
    preload: all.filter((f) => f !== schema),
    initialMemoryPages: 512,
    maxMemoryPages: 4096,
  });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}
