import { MX_TABLE, SECURITY_TABLE, stackedTableCss } from './table-layout.js';

/**
 * The page's whole stylesheet, inline (the machines that run the API may be
 * offline: no fonts, no CDN). System fonts, a light and a dark scheme, one
 * column on a phone.
 *
 * --field is the search box's border: 3:1 against the white header and the
 * page's grey (WCAG 1.4.11; --line, 1.25:1, was not). Buttons and tags carry a
 * transparent border, which forced-colors mode draws, so they keep an outline
 * there. Long names wrap with overflow-wrap:anywhere, which breaks a word only
 * when it does not fit (word-break:break-all split every word mid-way).
 */
export const PAGE_CSS = `
:root{--bg:#f6f7f9;--fg:#15171a;--muted:#5e6570;--card:#fff;--line:#e3e6ea;--ok:#137333;--ok-bg:#e6f4ea;--bad:#b3261e;--bad-bg:#fce8e6;--warn:#8a5300;--warn-bg:#fef3e0;--accent:#1f5eff;--field:#848c96;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#111316;--fg:#e8eaed;--muted:#9aa0a6;--card:#1b1e22;--line:#2c3036;--ok:#81c995;--ok-bg:#15291c;--bad:#f28b82;--bad-bg:#2f1715;--warn:#fdd663;--warn-bg:#2d2412;--accent:#8ab4f8;--field:#737b86}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--accent)}
.wrap{max-width:980px;margin:0 auto;padding:0 16px}
header.top{border-bottom:1px solid var(--line);background:var(--card)}
header.top .wrap{display:flex;gap:16px;align-items:center;flex-wrap:wrap;padding-top:10px;padding-bottom:10px}
.brand{font-weight:700;font-size:20px;letter-spacing:-.02em;color:var(--fg);text-decoration:none}
.brand span{color:var(--accent)}
form.search{display:flex;gap:8px;flex:1;min-width:240px}
form.search input{flex:1;min-width:0;font:inherit;padding:9px 12px;border:1px solid var(--field);border-radius:10px;background:var(--bg);color:var(--fg)}
form.search input:focus{outline:2px solid var(--accent);outline-offset:1px}
button,.button{font:inherit;font-weight:600;padding:8px 15px;border-radius:10px;border:1px solid transparent;background:var(--accent);color:#fff;cursor:pointer}
@media (prefers-color-scheme:dark){button,.button{color:#0b1220}}
button[aria-disabled=true]{opacity:.6;cursor:progress}
main{padding:24px 0 48px}
h1{font-size:28px;line-height:1.2;margin:0 0 4px;letter-spacing:-.02em;overflow-wrap:anywhere}
h2{font-size:18px;margin:32px 0 10px}
.sub{color:var(--muted);margin:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:16px 18px}
.verdict{display:flex;gap:16px;align-items:flex-start;justify-content:space-between;flex-wrap:wrap;margin-top:18px;border-left:6px solid var(--muted)}
.verdict.good{border-left-color:var(--ok)}.verdict.bad{border-left-color:var(--bad)}.verdict.warn{border-left-color:var(--warn)}
.verdict .words{font-size:20px;font-weight:650;margin:0 0 2px}
.verdict .why{margin:0;color:var(--muted)}
.verdict form{margin:0}
.live{color:var(--muted);font-size:14px;margin:16px 0 0}
.live:empty{margin:0}
.checks{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin-top:14px;padding:0;list-style:none}
.checks li{display:flex;align-items:center;gap:10px;padding:10px 12px;border-radius:12px;font-weight:600;font-size:15px}
.checks .pass{background:var(--ok-bg);color:var(--ok)}.checks .fail{background:var(--bad-bg);color:var(--bad)}
.mark{display:inline-grid;place-items:center;width:24px;height:24px;border-radius:50%;background:currentColor;flex:none}
.mark b{color:var(--card);font-size:14px;line-height:1}
.notes{display:grid;gap:10px;margin-top:14px}
.note{padding:12px 14px;border-radius:12px;background:var(--warn-bg);color:var(--fg);border:1px solid var(--line)}
.notes h2{margin:18px 0 0}
.note h3{font-size:16px;margin:0 0 2px;color:var(--warn)}
.note.info{background:var(--card)}
.note.info h3{color:var(--accent)}
.timeline{list-style:none;padding:0;display:grid;gap:10px}
.timeline>li{padding:10px 14px;border-radius:12px;background:var(--card);border:1px solid var(--line)}
.timeline ul{margin:6px 0 0;padding-left:18px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line);border-radius:14px;overflow:hidden}
th,td{text-align:left;padding:10px 12px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
tr:last-child td{border-bottom:0}
td.mono{white-space:nowrap}
.mono,code{font-family:var(--mono);font-size:14px;overflow-wrap:anywhere}
.tag{display:inline-block;font-size:12px;font-weight:650;padding:1px 7px;border:1px solid transparent;border-radius:999px;margin:1px 4px 1px 0;background:var(--line);color:var(--fg)}
.tag.ok{background:var(--ok-bg);color:var(--ok)}.tag.bad{background:var(--bad-bg);color:var(--bad)}.tag.warn{background:var(--warn-bg);color:var(--warn)}
.hosts{display:grid;gap:14px}
.host h3{margin:0;font-size:17px;display:flex;gap:8px;align-items:center;flex-wrap:wrap;overflow-wrap:anywhere}
.host .where{color:var(--muted);font-family:var(--mono);font-size:14px;margin:2px 0 10px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0}
dl.kv dt{color:var(--muted);font-size:14px}
dl.kv dd{margin:0;min-width:0;overflow-wrap:anywhere}
@media (max-width:560px){dl.kv{grid-template-columns:1fr}dl.kv dt{margin-top:6px}h1{font-size:24px}}
.bars{display:block;width:100%;height:8px;border-radius:4px;background:var(--line);margin-top:6px;max-width:360px}
.bars .c,.legend .c{fill:#7aa2f7;background:#7aa2f7}.bars .b,.legend .b{fill:#9ece6a;background:#9ece6a}.bars .e,.legend .e{fill:#e0af68;background:#e0af68}.bars .t,.legend .t{fill:#bb9af7;background:#bb9af7}
.legend{font-size:13px;color:var(--muted)}
.legend i{display:inline-block;width:9px;height:9px;border-radius:2px;margin:0 4px 0 10px}
.legend i:first-child{margin-left:0}
.recent{list-style:none;padding:0;margin:0;display:grid;gap:6px;grid-template-columns:repeat(auto-fill,minmax(260px,1fr))}
.recent a{display:flex;flex-wrap:wrap;justify-content:space-between;gap:8px;padding:10px 12px;border-radius:10px;background:var(--card);border:1px solid var(--line);text-decoration:none;color:var(--fg)}
.hero{padding:40px 0 8px}
.hero h1{font-size:34px}
.hero form.search{max-width:640px;margin-top:18px}
.hero form.search input{font-size:18px;padding:12px 14px}
.error{color:var(--bad);font-weight:600}
.aside{font-size:13px;font-weight:600}
footer{color:var(--muted);font-size:13px;border-top:1px solid var(--line);padding:16px 0 32px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
${stackedTableCss([MX_TABLE, SECURITY_TABLE])}
`;
