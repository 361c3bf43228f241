import { parseJobSettings, readJobSettings, type JobSettings } from '../adapters/ecs/jobSettings.ts';
import { readJobsConfig } from '../config/jobsConfig.ts';
import { settings } from './settings.ts';
import { once } from './once.ts';

/** Composition root for jobs: validated at import; the settings are read and the clients built on first use. */
export const jobsConfig = readJobsConfig();

export const loadJobSettings: () => Promise<JobSettings> = once(async () => {
  if (jobsConfig.JOB_SETTINGS !== undefined) return parseJobSettings(jobsConfig.JOB_SETTINGS, 'JOB_SETTINGS');
  return readJobSettings(jobsConfig.JOB_SETTINGS_PARAMETER!, settings.AWS_REGION);
});

