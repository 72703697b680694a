import { describe, expect, it } from 'vitest';
import { splitBaseUrl } from '../src/api/client.js';
import { parseConfig } from '../src/config.js';
import { baseUrlForms } from './helpers/base-urls.js';

/** Every way an admin pastes one API, by the base path the client must put in front of `/api/v1`. */
const ROOTS: { host: string; basePath: string }[] = [
  { host: 'https://sod.superoffice.com', basePath: '/Cust12345' },
  { host: 'https://crm.example.com', basePath: '/SuperOffice' },
  { host: 'http://127.0.0.1:8950', basePath: '' },
];

const auth = { scheme: 'basic', user: 'u', password: 'p' };

describe('api.baseUrl', () => {
  for (const { host, basePath } of ROOTS) {
    for (const form of baseUrlForms(host + basePath)) {
      it(`${form} -> ${host}${basePath}/api/v1/...`, () => {
        expect(splitBaseUrl(form)).toEqual({ origin: host, basePath });
        expect(parseConfig({ api: { baseUrl: form, auth } }).api?.baseUrl).toBe(form);
      });
    }
  }

  it('refuses a query string, a fragment, credentials and a path inside the API, in one line naming api.baseUrl', () => {
    const cases: [string, RegExp][] = [
      ['https://sod.superoffice.com/Cust12345/api?x=1', /query string or fragment/],
      ['https://sod.superoffice.com/Cust12345/api?', /query string or fragment/],
      ['https://sod.superoffice.com/Cust12345#top', /query string or fragment/],
      ['https://u:p@sod.superoffice.com/Cust12345', /user name or password/],
      ['https://sod.superoffice.com/Cust12345/api/api', /a path inside the API/],
      ['https://sod.superoffice.com/Cust12345/api/api/v1', /a path inside the API/],
      ['https://sod.superoffice.com/Cust12345/api/v1/TicketMessage', /a path inside the API/],
    ];
    for (const [baseUrl, why] of cases) {
      let message = '';
      try {
        parseConfig({ api: { baseUrl, auth } });
      } catch (err) {
        expect(err).toMatchObject({ code: 'E_CONFIG' });
        message = (err as Error).message;
      }
      const lines = message.split('\n').filter((l) => l.includes('api.baseUrl'));
      expect(lines, baseUrl).toHaveLength(1);
      expect(lines[0], baseUrl).toMatch(why);
      expect(() => splitBaseUrl(baseUrl)).toThrowError(expect.objectContaining({ code: 'E_CONFIG' }));
    }
    // A URL that is not http(s) is reported once, not once per check.
    expect(() => parseConfig({ api: { baseUrl: 'ftp://x/api', auth } })).toThrowError(
      /api\.baseUrl: must be an http\(s\) URL\s*$/,
    );
  });
});
