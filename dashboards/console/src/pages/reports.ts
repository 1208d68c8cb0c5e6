// Compliance report: export the signed incident report for a period as PDF, CSV or JSON (fetched
// with the key in the Authorization header, never in a URL), then check it against its detached
// CMS signature: the signature named by the reply is fetched from the API and verified in the
// browser (message digest of the downloaded bytes, RSA signature over the signed attributes with
// the certificate it carries) — see cms-verify.ts.
import { download, errorText, get } from '../api.ts';
import { verifyDetachedCms } from '../cms-verify.ts';
import type { Page } from '../context.ts';
import { clear, h } from '../dom.ts';
import { formatTime, t } from '../i18n.ts';

const formats = ['pdf', 'csv', 'json'] as const;

interface SignatureRecord {
  reportId: string;
  format: string;
  from: string;
  to: string;
  sha256: string;
  signature: string;
  generatedAt: string;
  generatedBy: string;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export const reportsPage: Page = async (root) => {
  const now = new Date();
  const fromInput = h('input', { id: 'report-from', type: 'date', value: day(new Date(now.getTime() - 30 * 86_400_000)), required: true });
  const toInput = h('input', { id: 'report-to', type: 'date', value: day(new Date(now.getTime() + 86_400_000)), required: true });
  const format = h('select', { id: 'report-format' }, formats.map((f) => h('option', { value: f }, f.toUpperCase())));
  const result = h('div', { id: 'report-result', class: 'report-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary', id: 'report-export' }, t('rep.export'));
  const form = h(
    'form',
    { class: 'card report-form' },
    h('p', {}, t('rep.intro')),
    h(
      'div',
      { class: 'row wrap' },
      h('div', { class: 'field' }, h('label', { for: 'report-from' }, t('common.from')), fromInput),
      h('div', { class: 'field' }, h('label', { for: 'report-to' }, t('common.to')), toInput),
      h('div', { class: 'field' }, h('label', { for: 'report-format' }, t('rep.format')), format),
      h('div', { class: 'field buttons' }, button),
    ),
    result,
  );
  clear(root, h('div', { class: 'page-head' }, h('h1', {}, t('rep.title'))), form);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    clear(result, h('p', { class: 'muted' }, t('common.loading')));
    try {
      const fmt = format.value;
      const file = await download('/reports/incidents', { from: fromInput.value, to: toInput.value, format: fmt }, `vigil-report.${fmt}`);
      const url = URL.createObjectURL(file.blob);
      const a = h('a', { href: url, download: file.name, id: 'report-file' }, file.name);
      a.click();
      const lines: Node[] = [h('p', { class: 'flash ok' }, t('rep.downloaded', { file: file.name, size: file.blob.size }), ' ', a)];
      const id = file.headers.get('vigil-report-id');
      if (id) {
        const record = await get<SignatureRecord>(`/reports/signatures/${encodeURIComponent(id)}`, { format: 'json' });
        const bytes = new Uint8Array(await file.blob.arrayBuffer());
        const v = await verifyDetachedCms(bytes, record.signature);
        lines.push(
          h(
            'div',
            { id: 'signature-status', class: v.valid ? 'flash ok sig-valid' : 'flash error sig-invalid', 'data-valid': String(v.valid) },
            h('p', {}, v.valid ? t('rep.valid') : t('rep.invalid', { reason: v.reason ?? '' })),
            h('p', { class: 'small' }, t('rep.signedBy', { subject: v.signer ?? '?', at: formatTime(v.signingTime ?? record.generatedAt), by: record.generatedBy })),
            h('p', { class: 'small mono' }, `SHA-256 ${record.sha256}`),
          ),
        );
      }
      clear(result, lines);
    } catch (err) {
      clear(result, h('p', { class: 'flash error', role: 'alert' }, errorText(err)));
    } finally {
      button.disabled = false;
    }
  });
};
