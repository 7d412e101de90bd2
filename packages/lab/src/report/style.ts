/** The report's stylesheet: quiet, print-friendly, tabular figures. Inlined in the page. */
export const REPORT_CSS = `
:root { --ink: #1d242b; --muted: #5b6672; --rule: #d5dbe1; --soft: #f4f6f8; --met: #1e7a46; --met-bg: #e3f3e9;
  --unmet: #b3261e; --unmet-bg: #fbe7e6; --accent: #1f5fa8; }
* { box-sizing: border-box; }
html { background: #fff; color: var(--ink); }
body { margin: 0 auto; max-width: 1040px; padding: 40px 32px 80px;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 21px; line-height: 1.3; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 26px 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
p { margin: 6px 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
header.page { border-bottom: 2px solid var(--ink); padding-bottom: 14px; margin-bottom: 26px; }
header.page .meta { color: var(--muted); font-size: 13.5px; }
header.page .meta span + span::before { content: " · "; }
.lede { font-size: 16px; margin: 10px 0 0; }
table { border-collapse: collapse; width: 100%; margin: 10px 0 4px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { font-size: 12.5px; font-weight: 600; color: var(--muted); border-bottom: 1.5px solid var(--ink); white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
.better { color: var(--met); font-weight: 600; }
.worse { color: var(--unmet); font-weight: 600; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 12.5px; font-weight: 600; white-space: nowrap; }
.badge.met { color: var(--met); background: var(--met-bg); }
.badge.unmet { color: var(--unmet); background: var(--unmet-bg); }
.badge.skipped { color: var(--muted); background: var(--soft); }
section.scenario { border-top: 1px solid var(--rule); padding-top: 26px; margin-top: 34px; }
section.scenario .name { color: var(--muted); font-weight: 400; font-size: 15px; margin-left: 8px; }
.claim { font-size: 16px; margin: 8px 0 10px; }
.claim::before { content: "Claim. "; font-weight: 600; }
.verdict { padding: 10px 14px; border-radius: 6px; margin: 10px 0 4px; }
.verdict.met { background: var(--met-bg); }
.verdict.unmet { background: var(--unmet-bg); }
.verdict.undecided, .verdict.excluded { background: var(--soft); }
.verdict .detail { color: var(--muted); font-size: 13.5px; margin-top: 2px; }
.badge.undecided { color: var(--muted); background: var(--soft); }
.verdict.skipped { background: var(--soft); }
.verdict strong { margin-right: 6px; }
figure { margin: 18px 0 8px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 13.5px; font-weight: 600; margin-bottom: 6px; }
svg.memory-map text { font: 11.5px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #39424b; }
svg.memory-map .mm-design { font-weight: 600; fill: var(--ink); }
svg.memory-map .mm-summary { fill: var(--muted); }
.muted { color: var(--muted); font-weight: 400; }
.notes { color: var(--muted); font-size: 14px; padding-left: 18px; }
.repro { background: var(--soft); border-radius: 6px; padding: 10px 14px; margin-top: 16px; font-size: 13.5px; }
.repro pre { margin: 4px 0; white-space: pre-wrap; }
.repro .label { color: var(--muted); }
.skips td:first-child { white-space: nowrap; }
footer { margin-top: 50px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--rule); padding-top: 10px; }
@media print { body { padding: 0; } section.scenario { break-inside: avoid-page; } }
`;
