import ExcelJS from 'exceljs';
import { CHROMIUM_PATHS, findChromium, launchChromium } from '../runtime/chromium';
import { DomainError } from '../runtime/errors';
import { formatValue, type ReportRow, type SelfEvaluationReport } from './report';

/**
 * The self-evaluation report as Markdown, as one printable HTML file (no external fonts, scripts or styles:
 * the county's intranet has no CDN), as an XLSX of the indicator table, and as PDF printed from that HTML by
 * a local headless Chromium when one is installed.
 */

const met = (m: boolean | null) => (m == null ? '—' : m ? '是' : '否');
const target = (r: ReportRow) =>
  r.target == null ? '—' : `${r.comparator === '<=' ? '≤' : '≥'} ${formatValue(r.unit, r.target)}`;
const points = (r: ReportRow) => (r.points == null ? '—' : `${r.points.toFixed(2)} / ${r.maxPoints}`);
const count = (n: number) => n.toLocaleString('en-US');
const yuan = (n: number | null) => formatValue('yuan', n);
const rate = (n: number | null) => formatValue('ratio', n);

/** The rows of the indicator table as text cells, shared by Markdown, HTML and XLSX. */
export const TABLE_HEADER = ['序号', '指标', '目标值', '实际完成值', '是否达标', '得分'];
export function tableCells(report: SelfEvaluationReport): string[][] {
  return report.indicators.map((r, i) => [
    String(i + 1),
    r.name,
    target(r),
    formatValue(r.unit, r.value),
    met(r.met),
    points(r),
  ]);
}

function overviewLines(report: SelfEvaluationReport): string[] {
  const o = report.overview;
  return [
    `${o.platform}覆盖${o.modules.length}个业务模块：${o.modules.join('、')}。`,
    `网格体系：${count(o.townships)}个乡镇，${count(o.villages + o.communities)}个村（社区）（${count(o.villages)}个村、${count(o.communities)}个社区），` +
      `${count(o.grids)}个网格（城市社区网格${count(o.urbanGrids)}个、农村网格${count(o.ruralGrids)}个、专属网格${count(o.specialGrids)}个）。`,
    `队伍与终端：在岗网格员${count(o.workers)}名（专职${count(o.fullTimeWorkers)}名、辅助${count(o.auxiliaryWorkers)}名、兼职${count(o.partTimeWorkers)}名），` +
      `年末在用手持终端${count(o.handsetsAssigned)}部。`,
  ];
}

function fundsLine(report: SelfEvaluationReport): string {
  const f = report.funds;
  return `${report.year}年度预算资金${yuan(f.budget)}，实际支出${yuan(f.spent)}，预算执行率${rate(f.executionRate)}。`;
}

function goalLines(report: SelfEvaluationReport): string[] {
  return report.goals.map((r) => `${r.name}：${target(r)}`);
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(report: SelfEvaluationReport): string {
  const s = report.score;
  const lines = [
    `# ${report.title}`,
    '',
    `报告期：${report.from} 至 ${report.to}（不含）；数据来源：${report.source === 'snapshot' ? '年度指标快照' : '实时计算'}；评分规则：${report.rubricTitle}`,
    '',
    '## 一、项目概况',
    '',
    ...overviewLines(report).flatMap((l) => [l, '']),
    '## 二、绩效目标',
    '',
    ...goalLines(report).map((l) => `- ${l}`),
    '',
    '## 三、资金情况（预算、支出、执行率）',
    '',
    fundsLine(report),
    '',
    '## 四、绩效目标完成情况及效益',
    '',
    `| ${TABLE_HEADER.join(' | ')} |`,
    `|${TABLE_HEADER.map(() => '---').join('|')}|`,
    ...tableCells(report).map((c) => `| ${c.map(mdCell).join(' | ')} |`),
    '',
    '## 五、结论',
    '',
    report.conclusion,
    '',
    '## 六、自评得分',
    '',
    '| 评价维度 | 分值 | 得分 |',
    '|---|---|---|',
    ...s.sections.map((x) => `| ${mdCell(x.name)} | ${x.maxPoints} | ${x.points.toFixed(2)} |`),
    `| 合计 | ${s.maxPoints} | ${s.total.toFixed(2)} |`,
    '',
    `自评得分：**${s.total.toFixed(2)}** 分（满分 ${s.maxPoints} 分）。`,
    '',
  ];
  return lines.join('\n');
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Common Chinese system fonts, in order; nothing is downloaded. */
export const CJK_FONTS =
  '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "SimSun", sans-serif';

const CSS = `
  body { font-family: ${CJK_FONTS}; color: #111; margin: 2em auto; max-width: 60em; line-height: 1.6; padding: 0 1em; }
  h1 { font-size: 1.5em; text-align: center; margin-bottom: .2em; }
  h2 { font-size: 1.15em; border-bottom: 1px solid #999; padding-bottom: .2em; margin-top: 1.5em; }
  p.meta { text-align: center; color: #555; font-size: .9em; }
  table { border-collapse: collapse; width: 100%; margin: .5em 0; }
  th, td { border: 1px solid #444; padding: .3em .5em; text-align: left; vertical-align: top; }
  th { background: #eee; }
  td.num { text-align: right; white-space: nowrap; }
  tr.miss td { background: #fff3f0; }
  .total { font-size: 1.2em; font-weight: bold; }
  @page { size: A4; margin: 18mm 15mm; }
  @media print {
    body { margin: 0; max-width: none; padding: 0; font-size: 11pt; }
    th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    tr, h2 { page-break-inside: avoid; break-inside: avoid; }
    h2 { page-break-after: avoid; break-after: avoid; }
    thead { display: table-header-group; }
  }
`;

export function renderHtml(report: SelfEvaluationReport): string {
  const s = report.score;
  const rows = tableCells(report)
    .map((c, i) => {
      const miss = report.indicators[i]!.met === false ? ' class="miss"' : '';
      return `<tr data-code="${esc(report.indicators[i]!.code)}"${miss}>${c
        .map((v, j) => `<td${j >= 2 && j !== 4 ? ' class="num"' : ''}>${esc(v)}</td>`)
        .join('')}</tr>`;
    })
    .join('\n');
  const sections = s.sections
    .map(
      (x) =>
        `<tr><td>${esc(x.name)}</td><td class="num">${x.maxPoints}</td><td class="num">${x.points.toFixed(2)}</td></tr>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(report.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(report.title)}</h1>
<p class="meta">报告期：${esc(report.from)} 至 ${esc(report.to)}（不含） · 数据来源：${report.source === 'snapshot' ? '年度指标快照' : '实时计算'} · 评分规则：${esc(report.rubricTitle)}</p>
<h2>一、项目概况</h2>
${overviewLines(report)
  .map((l) => `<p>${esc(l)}</p>`)
  .join('\n')}
<h2>二、绩效目标</h2>
<ul>
${goalLines(report)
  .map((l) => `<li>${esc(l)}</li>`)
  .join('\n')}
</ul>
<h2>三、资金情况（预算、支出、执行率）</h2>
<p>${esc(fundsLine(report))}</p>
<h2>四、绩效目标完成情况及效益</h2>
<table id="indicators">
<thead><tr>${TABLE_HEADER.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>五、结论</h2>
<p>${esc(report.conclusion)}</p>
<h2>六、自评得分</h2>
<table id="score">
<thead><tr><th>评价维度</th><th>分值</th><th>得分</th></tr></thead>
<tbody>
${sections}
<tr><td><b>合计</b></td><td class="num">${s.maxPoints}</td><td class="num"><b>${s.total.toFixed(2)}</b></td></tr>
</tbody>
</table>
<p class="total">自评得分：${s.total.toFixed(2)} 分（满分 ${s.maxPoints} 分）</p>
</body>
</html>
`;
}

/** The indicator table as an XLSX workbook: one row per indicator, numbers as numbers. */
export async function renderXlsx(report: SelfEvaluationReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'gridhub';
  wb.created = report.generatedAt;
  const ws = wb.addWorksheet('绩效指标');
  ws.addRow([report.title]);
  ws.getRow(1).font = { bold: true, size: 14 };
  ws.addRow([]);
  ws.columns = [
    { key: 'n', width: 6 },
    { key: 'code', width: 22 },
    { key: 'name', width: 28 },
    { key: 'unit', width: 8 },
    { key: 'cmp', width: 8 },
    { key: 'target', width: 14 },
    { key: 'value', width: 14 },
    { key: 'num', width: 14 },
    { key: 'den', width: 14 },
    { key: 'met', width: 10 },
    { key: 'section', width: 12 },
    { key: 'points', width: 10 },
    { key: 'max', width: 10 },
  ];
  const header = ws.addRow([
    '序号',
    '指标代码',
    '指标',
    '单位',
    '比较',
    '目标值',
    '实际完成值',
    '分子',
    '分母',
    '是否达标',
    '评价维度',
    '得分',
    '分值',
  ]);
  header.font = { bold: true };
  const unitName = { ratio: '比率', count: '数量', yuan: '元' } as const;
  report.indicators.forEach((r, i) => {
    const row = ws.addRow([
      i + 1,
      r.code,
      r.name,
      unitName[r.unit] ?? r.unit,
      r.comparator,
      r.target,
      r.value,
      r.numerator,
      r.denominator,
      met(r.met),
      r.sectionName ?? '—',
      r.points,
      r.maxPoints,
    ]);
    if (r.unit === 'ratio') {
      row.getCell(6).numFmt = '0.00%';
      row.getCell(7).numFmt = '0.00%';
    }
  });
  ws.addRow([]);
  ws.addRow([
    '',
    '',
    '自评得分',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    report.score.total,
    report.score.maxPoints,
  ]).font = {
    bold: true,
  };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * The HTML printed to PDF by a local headless Chromium (its system fonts give the Chinese glyphs). Requests
 * off the page are refused: the report is self-contained, and the intranet has nowhere to fetch from.
 */
export async function renderPdf(report: SelfEvaluationReport): Promise<Buffer> {
  const executablePath = findChromium();
  if (!executablePath)
    throw new DomainError(
      'PDF_UNAVAILABLE',
      `format pdf: no Chromium found (looked at ${CHROMIUM_PATHS.join(', ')}; set GRIDHUB_CHROMIUM); use html and print it`,
      { field: 'format', rule: 'needs a local Chromium' },
    );
  const browser = await launchChromium(executablePath);
  try {
    const page = await browser.newPage();
    await page.route('**/*', (route) =>
      route.request().url().startsWith('data:') ? route.continue() : route.abort('blockedbyclient'),
    );
    await page.setContent(renderHtml(report), { waitUntil: 'load' });
    return Buffer.from(await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true }));
  } finally {
    await browser.close();
  }
}

export type ReportFormat = 'md' | 'html' | 'xlsx' | 'pdf';

export async function renderReport(
  report: SelfEvaluationReport,
  format: ReportFormat,
): Promise<{ content: Buffer; mimeType: string; extension: string }> {
  switch (format) {
    case 'md':
      return {
        content: Buffer.from(renderMarkdown(report)),
        mimeType: 'text/markdown; charset=utf-8',
        extension: 'md',
      };
    case 'html':
      return {
        content: Buffer.from(renderHtml(report)),
        mimeType: 'text/html; charset=utf-8',
        extension: 'html',
      };
    case 'xlsx':
      return {
        content: await renderXlsx(report),
        mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        extension: 'xlsx',
      };
    case 'pdf':
      return { content: await renderPdf(report), mimeType: 'application/pdf', extension: 'pdf' };
    default:
      throw new DomainError('INVALID_FORMAT', `format: md, html, xlsx or pdf, not "${String(format)}"`, {
        field: 'format',
        rule: 'md | html | xlsx | pdf',
      });
  }
}
