import { describe, expect, it } from 'vitest';
import { type BodyConfig, bodyConfigSchema } from '../src/body/config-schema.js';
import { filterDeclaration, filterInlineStyle, filterStyleBlock } from '../src/body/css.js';
import { sanitizeHtmlBody } from '../src/body/sanitize.js';
import { DEFAULT_LIMITS, type Limits } from '../src/limits.js';
import type { InlineImage } from '../src/types.js';

const limits: Limits = { ...DEFAULT_LIMITS };
const cfg = (o: Partial<BodyConfig> = {}) => bodyConfigSchema.parse(o);
const clean = (html: string, o: Partial<BodyConfig> = {}, inline: InlineImage[] = [], l: Limits = limits) =>
  sanitizeHtmlBody(html, inline, { body: cfg(o), limits: l });

describe('sanitizeHtmlBody: what real mail needs survives', () => {
  it('keeps layout tables with their presentational attributes, fonts, lists and quotes', () => {
    const { html } = clean(
      '<table width="600" cellpadding="4" cellspacing="0" border="0" bgcolor="#ffffff" align="center">' +
        '<tr><td valign="top" colspan="2" style="padding:8px;color:#333333;font-family:Arial, sans-serif">' +
        '<font face="Verdana" color="red" size="2">Hi</font></td></tr></table>' +
        '<ul><li>one</li></ul><ol start="3"><li>three</li></ol><blockquote>quoted</blockquote>',
    );
    expect(html).toContain(
      '<table width="600" cellpadding="4" cellspacing="0" border="0" bgcolor="#ffffff" align="center">',
    );
    expect(html).toContain(
      '<td valign="top" colspan="2" style="padding:8px;color:#333333;font-family:Arial, sans-serif">',
    );
    expect(html).toContain('<font face="Verdana" color="red" size="2">Hi</font>');
    expect(html).toContain('<ol start="3">');
    expect(html).toContain('<blockquote>quoted</blockquote>');
  });

  it('keeps what the sender hid hidden (preheaders, mobile-only copies)', () => {
    expect(clean('<div hidden>teaser</div><span style="display:none;max-height:0">pre</span>').html).toBe(
      '<div hidden="hidden">teaser</div><span style="display:none;max-height:0">pre</span>',
    );
  });

  it("gives links rel=noopener noreferrer and the configured target, never the mail's own", () => {
    const a = clean('<a href="https://example.test/x" target="_top">x</a>').html;
    expect(a).toBe('<a href="https://example.test/x" rel="noopener noreferrer" target="_blank">x</a>');
    const b = clean('<a href="https://example.test/x" target="frame1">x</a>', { linkTarget: 'none' }).html;
    expect(b).toBe('<a href="https://example.test/x" rel="noopener noreferrer">x</a>');
  });

  it('prefixes ids and classes (DOM clobbering, host CSS) and rewrites in-page anchors to match', () => {
    const { html } = clean(
      '<a href="#sec">go</a><a name="old">o</a><h2 id="sec" class="title big">S</h2><img id="alert" src="https://i.test/a.png">',
    );
    expect(html).toContain('<a href="#m2t-sec">go</a>');
    expect(html).toContain('<a id="m2t-old">o</a>');
    expect(html).toContain('<h2 id="m2t-sec" class="m2t-title m2t-big">S</h2>');
    expect(html).toContain('id="m2t-alert"');
  });
});

describe('sanitizeHtmlBody: nothing that runs or navigates survives', () => {
  it.each([
    ['javascript:alert(1)'],
    ['JaVaScRiPt:alert(1)'],
    ['jav&#x09;ascript:alert(1)'],
    ['&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)'],
    ['&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)'],
    [' &#14; javascript:alert(1)'],
    ['\u0000javascript:alert(1)'],
    ['vbscript:msgbox(1)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['/relative/path'],
    ['//protocol-relative.test/x'],
  ])('drops href %j', (href) => {
    const { html } = clean(`<a href="${href}">x</a>`);
    expect(html).toBe('<a>x</a>');
  });

  it('removes scripts, handlers, forms, frames, objects, base, meta, svg and math with their content', () => {
    const { html } = clean(
      '<script>alert(1)</script><img src="https://i.test/a.png" onerror="alert(1)"><form action="https://x.test"><input name=p></form>' +
        '<iframe src="https://x.test"></iframe><object data="x"></object><embed src="x"><base href="https://x.test/">' +
        '<meta http-equiv="refresh" content="0;url=https://x.test"><svg onload=alert(1)><text>svgtext</text></svg>' +
        '<math><mi>mathtext</mi></math><textarea>ta</textarea><noscript>ns</noscript><title>t</title>',
    );
    expect(html).toBe('<img src="https://i.test/a.png" />');
  });

  it('escapes markup hidden in comments, CDATA and raw-text elements instead of reviving it', () => {
    for (const v of [
      '<!--<img src="--><img src=x onerror=alert(1)//">',
      '<![CDATA[<img src=x onerror=alert(1)>]]>',
      '<xmp><img src=x onerror=alert(1)></xmp>',
    ]) {
      expect(clean(v).html).not.toMatch(/<img[^>]*onerror|<script/i);
    }
  });

  it('keeps data: only for raster images, never SVG', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    expect(clean(`<img src="${png}">`).html).toBe(`<img src="${png}" />`);
    expect(clean('<img src="data:image/svg+xml;base64,PHN2Zz4=">').html).toBe(
      '<img alt="[image not shown]" />',
    );
  });
});

describe('remote image policy and inline images', () => {
  const imgs = '<img src="https://i.test/a.png" alt="Logo"><img src="http://i.test/p.gif">';
  it('keep (default) keeps http and https images', () => {
    const r = clean(imgs);
    expect(r.html).toContain('src="https://i.test/a.png"');
    expect(r.html).toContain('src="http://i.test/p.gif"');
    expect(r.notes).toEqual([]);
  });
  it('https-only blocks http images and says so', () => {
    const r = clean(imgs, { remoteImages: 'https-only' });
    expect(r.html).toContain('src="https://i.test/a.png"');
    expect(r.html).toContain('<img alt="[image not shown]" />');
    expect(r.notes).toEqual(['1 remote image(s) blocked (remoteImages=https-only)']);
  });
  it('block removes every remote image, including CSS backgrounds, keeping alt text', () => {
    const r = clean(
      `${imgs}<td background="https://i.test/bg.png" style="background-image:url(https://i.test/bg2.png);color:red">x</td>`,
      { remoteImages: 'block' },
    );
    expect(r.html).not.toContain('i.test');
    expect(r.html).toContain('<img alt="Logo" />');
    expect(r.html).toContain('style="color:red"');
    expect(r.notes).toEqual(['4 remote image(s) blocked (remoteImages=block)']);
  });
  it('embeds cid: images as data: URIs within maxInlineImageBytes, alt placeholder above it', () => {
    const inline: InlineImage[] = [
      { contentId: '<logo@x>', contentType: 'image/png', base64: 'iVBORw0KGgo=', size: 8 },
      { contentId: 'big@x', contentType: 'image/jpeg', base64: '/9j/4AAQ', size: 6 },
    ];
    const r = clean('<img src="cid:logo@x"><img src="CID:big@x" alt="Big photo">', {}, inline, {
      ...limits,
      maxInlineImageBytes: 10,
    });
    expect(r.html).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" />');
    expect(r.html).toContain('<img alt="Big photo" />');
    expect(r.notes).toEqual(['1 inline image(s) over maxInlineImageBytes (10) shown as alt text']);
  });
});

describe('CSS filtering', () => {
  it('keeps safe properties and values, drops the rest', () => {
    expect(
      filterInlineStyle(
        'color: #333; font: bold 12px/1.4 "Segoe UI", Arial; margin: 0 auto; padding: 4px 8px',
      ),
    ).toBe('color:#333;font:bold 12px/1.4 "Segoe UI", Arial;margin:0 auto;padding:4px 8px');
    expect(filterInlineStyle('position:fixed;top:0;z-index:9999;color:red')).toBe('color:red');
    expect(filterInlineStyle('width:expression(alert(1));color:blue')).toBe('color:blue');
    expect(filterInlineStyle('background:url(javascript:alert(1))')).toBe('');
    expect(filterInlineStyle('background-image:\\75\\72\\6c(x)')).toBe('');
    expect(filterInlineStyle('behavior:url(x.htc);-moz-binding:url(x)')).toBe('');
    expect(filterInlineStyle('margin-top:-5000px;margin-left:10px')).toBe('margin-left:10px');
    expect(filterDeclaration('color', 'rgb(0, 0, 0)')).toBe('rgb(0, 0, 0)');
    expect(filterDeclaration('color', 'red/*x*/')).toBeNull();
  });

  it('scopes <style> rules to the mail, filters their declarations, keeps @media, drops other at-rules', () => {
    const r = filterStyleBlock(
      '@import url(https://x.test/a.css); @font-face{font-family:x;src:url(https://x.test/f.woff)}' +
        'body{margin:0;color:#222} .btn, #main td > a:hover{color:blue;position:absolute}' +
        '@media only screen and (max-width:600px){.col{width:100% !important}} p{x:expression(1)}',
    );
    expect(r.css).toBe(
      '.m2t-mail{margin:0;color:#222}\n.m2t-mail .m2t-btn,.m2t-mail #m2t-main td > a:hover{color:blue}\n' +
        '@media only screen and (max-width:600px){.m2t-mail .m2t-col{width:100% !important}}',
    );
    expect(r.rulesDropped).toBe(3);
  });

  it('cannot be broken out of: no "<" ever reaches the emitted style text', () => {
    const r = filterStyleBlock('a[title="</style><script>alert(1)</script>"]{color:red} b{color:red}');
    expect(r.css).not.toContain('<');
  });

  it('styleBlocks=filter wraps the body in the scope, styleBlocks=drop removes the blocks', () => {
    const html = '<html><head><style>.x{color:red}</style></head><body><p class="x">a</p></body></html>';
    expect(clean(html).html).toBe(
      '<div class="m2t-mail"><style>.m2t-mail .m2t-x{color:red}</style><p class="m2t-x">a</p></div>',
    );
    expect(clean(html, { styleBlocks: 'drop' }).html).toBe('<p class="m2t-x">a</p>');
  });
});
