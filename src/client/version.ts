/** The client's version: `occi --version`, the User-Agent's product token; equal to packages/occi-client/package.json's (a test says so). */
export const CLIENT_VERSION = '0.1.0';
