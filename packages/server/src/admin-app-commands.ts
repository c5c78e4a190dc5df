import { z } from 'zod';
import { AdminFailure, table, type AdminCommand } from './admin-commands.js';
import { registerApp, rotateSecrets } from './apps/app-service.js';
import { appSettingsBody } from './http/app-schemas.js';

/** `presence admin apps …`: third-party apps, registered by an operator (owned by nobody). */

const redirects = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  appSettingsBody.shape.redirectUris,
);
const webhook = z.preprocess((v) => (v === '' || v === 'none' ? null : v), appSettingsBody.shape.webhookUrl);

function date(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export const APP_COMMANDS: AdminCommand[] = [
  {
    noun: 'apps',
    verb: 'create',
    args: '--name NAME --redirect URI[,URI…] [--webhook URL]',
    summary: 'Register a third-party app; its client and signing secrets are printed once.',
    flags: z.object({ name: appSettingsBody.shape.name, redirect: redirects, webhook: webhook.optional() }),
    positionals: 0,
    async run({ store }, flags) {
      const made = await registerApp(
        store.apps,
        {
          name: flags['name'] as string,
          redirectUris: flags['redirect'] as string[],
          webhookUrl: (flags['webhook'] as string | null | undefined) ?? null,
        },
        null,
      );
      return {
        json: made,
        text:
          `Registered app ${made.app.id} "${made.app.name}". The secrets are shown only now:\n` +
          `client secret:  ${made.clientSecret}\nsigning secret: ${made.signingSecret}`,
      };
    },
  },
  {
    noun: 'apps',
    verb: 'list',
    args: '',
    summary: 'List third-party apps (never their secrets).',
    flags: z.object({}),
    positionals: 0,
    async run({ store }) {
      const apps = await store.apps.listApps();
      const json = apps.map((a) => ({
        id: a.id,
        name: a.name,
        ownerId: a.ownerId,
        redirectUris: a.redirectUris,
        webhookUrl: a.webhookUrl,
        webhookDisabledAt: a.webhookDisabledAt,
        createdAt: a.createdAt,
      }));
      const rows = apps.map((a) => [
        a.id,
        a.name,
        a.ownerId ?? '-',
        a.webhookUrl === null
          ? '-'
          : a.webhookDisabledAt === null
            ? a.webhookUrl
            : `${a.webhookUrl} (disabled)`,
        date(a.createdAt),
      ]);
      return { json, text: table(['ID', 'NAME', 'OWNER', 'WEBHOOK', 'CREATED'], rows, 'No apps.') };
    },
  },
  {
    noun: 'apps',
    verb: 'rotate',
    args: 'APP_ID',
    summary: "Replace an app's client and signing secrets (printed once); the old ones stop working.",
    flags: z.object({}),
    positionals: 1,
    async run({ store }, _flags, [id = '']) {
      const secrets = await rotateSecrets(store.apps, id);
      return {
        json: { id, ...secrets },
        text: `New secrets for ${id}:\nclient secret:  ${secrets.clientSecret}\nsigning secret: ${secrets.signingSecret}`,
      };
    },
  },
  {
    noun: 'apps',
    verb: 'delete',
    args: 'APP_ID',
    summary: 'Delete an app with its grants and pending updates.',
    flags: z.object({}),
    positionals: 1,
    async run({ store }, _flags, [id = '']) {
      if (!(await store.apps.deleteApp(id))) {
        throw new AdminFailure(`no app ${id}`);
      }
      return { json: { id, deleted: true }, text: `Deleted app ${id}.` };
    },
  },
];
