import { CLIENT_VERSION } from '../version.js';
import type { Command } from './command.js';
import { DEFAULT_ENDPOINT } from './options.js';

const GLOBAL_HELP: ReadonlyArray<readonly [string, string]> = [
  ['-e, --endpoint URL', `the OCCI server (env OCCI_ENDPOINT; default ${DEFAULT_ENDPOINT})`],
  ['-n, --auth METHOD', 'none, basic, bearer (OIDC), token (Keystone token), keystone, x509 (env OCCI_AUTH)'],
  ['-u, --username NAME', 'basic and keystone (env OCCI_USERNAME)'],
  ['-p, --password SECRET', 'basic and keystone, or the pass phrase of an x509 key (env OCCI_PASSWORD; asked for on a terminal)'],
  ['-q, --token TOKEN', 'bearer, token and keystone (env OCCI_TOKEN)'],
  ['--project NAME', 'keystone: project to scope the token to (env OS_PROJECT_NAME)'],
  ['--keystone-url URL', "keystone: Keystone's URL when the server does not name it (env OS_AUTH_URL)"],
  ['-x, --user-cred FILE', 'x509: PEM certificate and key, or an RFC 3820 proxy (env X509_USER_PROXY; default ~/.globus/usercred.pem)'],
  ['--key FILE', "x509: the private key, when it is not in --user-cred's file"],
  ['-X, --voms', 'x509: the credential is a VOMS proxy'],
  ['-c, --ca-path DIR', 'trust the CA certificates in DIR (e.g. /etc/grid-security/certificates)'],
  ['-f, --ca-file FILE', 'trust the CA certificates in FILE'],
  ['-s, --insecure', "do not check the server's certificate (--skip-ca-check)"],
  ['-y, --media-type TYPE', 'auto (default: JSON when offered, else text/plain), text/plain, text/occi, application/occi+json'],
  ['-k, --timeout SECONDS', 'time limit of one request (default 30)'],
  ['-o, --output FORMAT', 'table (default on a terminal), json, plain (tab-separated), uri; in a pipe the default is uri (show: json)'],
  ['--no-color', 'no colours (also NO_COLOR=1; never in a pipe)'],
  ['-V, --verbose', 'show every HTTP request and answer on stderr (credentials masked); -d, --debug too'],
  ['-h, --help', 'help (occi help COMMAND for one command)'],
  ['-v, --version', 'the version'],
];

export const EXIT_HELP = `Exit codes:
  0  done
  1  unexpected error
  2  bad command line (unknown command or option, missing argument, unreadable file)
  3  not found (404, or a kind, mixin, template, action or entity the server does not offer)
  4  authentication or authorisation refused (401, 403)
  5  refused by the server (400, 405, 406, 409 not valid in this state, 412, 413, 415)
  6  server error (5xx, 501 not implemented)
  7  no connection (refused, unknown host, TLS failure, timeout)
  8  --wait gave up (time out, or the entity went to error)
  9  the answer is not OCCI
`;

function rows(pairs: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.min(34, Math.max(...pairs.map(([k]) => k.length)));
  return pairs.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

export function generalHelp(commands: readonly Command[]): string {
  return `occi ${CLIENT_VERSION}: a command-line client for OCCI 1.1 and 1.2 servers

Usage: occi COMMAND [ARGUMENTS] [OPTIONS]

Commands:
${rows([...commands.map((c) => [c.name, c.summary] as const), ['completion bash|zsh', 'print a shell completion script'], ['help [COMMAND]', 'this help, or one command\'s']])}

Options (every command):
${rows(GLOBAL_HELP)}

Names: kinds and mixins by short name where it is unambiguous (compute, os_tpl#debian12,
ipnetwork) or by type id (scheme#term); entities by URL, path, kind/id, id, or title.

Examples (against \`npm start\` of occi-server, no authentication):
  occi discover --templates
  occi create compute --os debian12 --size small --title web-1 --ssh-key @~/.ssh/id_ed25519.pub
  occi do web-1 start --wait
  occi list compute
  occi delete web-1

rOCCI-cli command lines are accepted unchanged (occi help rocci):
  occi --endpoint http://127.0.0.1:8787 --action list --resource compute

${EXIT_HELP}`;
}

export function commandHelp(c: Command): string {
  const options = c.optionHelp.length > 0 ? `\nOptions:\n${rows(c.optionHelp)}\n` : '';
  return `${c.summary}

Usage: ${c.usage}
${c.description ? `\n${wrap(c.description)}\n` : ''}${options}
Examples:
${c.examples.map((e) => `  ${e}`).join('\n')}

Connection and output options: occi --help.
`;
}

export const ROCCI_HELP = `rOCCI-cli 4.x compatibility: a command line with --action runs as rOCCI-cli ran it.

Usage: occi --endpoint URL --action ACTION --resource RESOURCE [OPTIONS]

Actions:
  list       --resource compute|network|storage (URLs, one a line) or os_tpl|resource_tpl (mixin type ids)
  describe   --resource KIND|URL|os_tpl|os_tpl#TERM (resources or mixins in rOCCI-cli's plain or JSON output)
  create     --resource KIND --attribute occi.core.title=… [--mixin os_tpl#T]… [--context public_key=…|user_data=file://…] [--link URL]… (prints the URL)
  delete     --resource URL (or KIND: every member)
  trigger    --resource URL|KIND --trigger-action TERM|SCHEME#TERM [--attribute K=V]…
  link       --resource URL --link URL (prints the link's URL)
  unlink     --resource LINK_URL
  update     --resource URL --mixin M…
  discover   --entity-type resource|link (kinds)

Options:
  -e --endpoint, -n --auth none|basic|token|oauth2|keystone|x509, -u --username, -p --password, -q --token,
  -x --user-cred, -X --voms, -c --ca-path, -f --ca-file, -s --skip-ca-check, -y --media-type,
  -r --resource, -a --action, -M --mixin, -t --attribute (values: text, num(1), float(1.5), bool(true)),
  -T --context, -j --link, -g --trigger-action, -i --entity-type, -w --wait-for-active SECONDS,
  -o --output-format plain|json|json_pretty|json_extended|json_extended_pretty, -k --timeout,
  -m --dump-model [-F --filter CATEGORY], -d --debug, -l --log-to, -b --log-level, -z --examples, -h, -v

Examples:
  occi --endpoint http://127.0.0.1:8787 --action list --resource os_tpl
  occi --endpoint http://127.0.0.1:8787 --action create --resource compute --mixin os_tpl#debian12 --mixin resource_tpl#small --attribute occi.core.title="My rOCCI VM"
  occi --endpoint http://127.0.0.1:8787 --action describe --resource /compute/ID
  occi --endpoint http://127.0.0.1:8787 --action delete --resource /compute/ID

Not supported: --auth digest.
`;

function wrap(text: string, width = 88): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out.join('\n');
}
