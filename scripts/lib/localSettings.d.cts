export type LocalSettingName = 'API_URL' | 'DYNAMODB_ENDPOINT' | 'EVENTBRIDGE_ENDPOINT' | 'ECS_ENDPOINT' | 'S3_ENDPOINT' | 'DATABASE_URL' | 'CONSOLE_ORIGIN';
export type LocalSettings = Record<LocalSettingName, string>;
export const LOCAL_SETTINGS_FILE: string;
export const LOCAL_DEFAULTS: Readonly<LocalSettings>;
export function defaultPort(name: LocalSettingName): number;
export function readLocalSettings(file?: string, env?: Record<string, string | undefined>): LocalSettings;
export function formatLocalSettings(settings: Partial<LocalSettings>): string;
