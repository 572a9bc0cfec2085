/** Every setting in force, its value and where it came from; policy and tenant values are marked locked. */
import { HOSTS, type IgnoredPolicyValue } from '../../../shared/index.ts';
import { isLocked, type ResolvedSettings, type Setting, type SettingSource } from '../../settings/resolve-settings.ts';

export const SOURCE_LABELS: Record<SettingSource, string> = {
  policy: "🔒 Set by your organisation's browser policy",
  tenant: '🔒 Set by your admin on the backend',
  options: 'Your setting',
  default: 'Default',
};

/** Where a value came from, as a short line under a field (`name` set) or in the table. */
export function SourceNote({ setting, name }: { setting: Setting<unknown>; name?: string }) {
  return (
    <span class={isLocked(setting) ? 'source locked' : 'source'} data-source-of={name} data-source={setting.source}>
      {SOURCE_LABELS[setting.source]}
    </span>
  );
}

type Row = [name: string, label: string, setting: Setting<unknown>, shown: string];

function rows(s: ResolvedSettings): Row[] {
  const selectorKeys = HOSTS.flatMap((host) => Object.entries(s.selectors[host].sources).map(([key, source]) => `${host}.${key} (${source})`));
  const selectorSource: SettingSource = HOSTS.some((h) => Object.values(s.selectors[h].sources).includes('policy'))
    ? 'policy'
    : selectorKeys.length > 0
      ? 'tenant'
      : 'default';
  return [
    ['tenant', 'Tenant', s.tenant, s.tenant.value],
    ['keySource', 'API key from', s.keySource, s.keySource.value === 'policy' ? 'policy (one key for the tenant)' : 'each agent (this page)'],
    [
      'agentIdentity',
      'Agent recorded as (tenant-wide key)',
      s.agentIdentity,
      s.agentIdentity.value === 'hashed' ? 'pseudonym of the signed-in agent' : 'signed-in agent as shown',
    ],
    ['enabledHosts', 'Help desks', s.enabledHosts, s.enabledHosts.value.join(', ') || 'none'],
    ['redactionLevel', 'Redaction before sending', s.redactionLevel, s.redactionLevel.value],
    ['annotationPrompts', 'Feedback prompts', s.annotationPrompts, s.annotationPrompts.value ? 'on' : 'off'],
    ['pairwisePromptPercent', 'Suggestions asking which reply is better', s.pairwisePromptPercent, `${s.pairwisePromptPercent.value} %`],
    ['syncBatchItems', 'Annotations per sync request', s.syncBatchItems, String(s.syncBatchItems.value)],
    ['syncBatchBytes', 'Bytes per sync request', s.syncBatchBytes, String(s.syncBatchBytes.value)],
    ['selectorOverrides', 'Selector overrides', { value: selectorKeys, source: selectorSource }, selectorKeys.join(', ') || 'none'],
  ];
}

export function SettingsTable({ settings, ignored }: { settings: ResolvedSettings; ignored: IgnoredPolicyValue[] }) {
  return (
    <section aria-label="Settings in force">
      <h2>Settings in force</h2>
      <table class="settings">
        <tbody>
          {rows(settings).map(([name, label, setting, shown]) => (
            <tr key={name} data-setting={name} data-source={setting.source} data-locked={String(isLocked(setting))}>
              <th scope="row">{label}</th>
              <td class="value">{shown}</td>
              <td>
                <SourceNote setting={setting} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {ignored.length > 0 && (
        <div class="status error" role="alert">
          <p>Policy values this extension did not use:</p>
          <ul>
            {ignored.map((i) => (
              <li key={i.key}>{`${i.key}: ${i.message}`}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
