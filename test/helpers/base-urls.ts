/**
 * What an admin may paste after the tenant root (or the server root) in `api.baseUrl`; every one
 * names the same API. Used by the unit test of splitBaseUrl and by the live tests against the sandbox.
 */
export const BASE_URL_SUFFIXES = [
  '',
  '/',
  '/api',
  '/api/',
  '/api/v1',
  '/api/v1/',
  '/API/V1',
  '/Api',
] as const;

/** Every form of the API whose root is `root` (`https://sod.superoffice.com/Cust12345`, or an origin). */
export function baseUrlForms(root: string): string[] {
  return BASE_URL_SUFFIXES.map((s) => root + s);
}
