import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The order of a run within each group: the unit project's files first (CPU only, they share the
 * machine harmlessly with the global setup's packaging of the AWS stages, which goes on while the
 * tests run), then the stack project's, its template files (tests/infrastructure) last, as they
 * wait for that packaging (tests/support/testRun.ts). Within each part, Vitest's own order.
 */
export class SuiteSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const part = (file: TestSpecification) => (file.project.name === 'unit' ? 0 : file.moduleId.includes('/tests/infrastructure/') ? 2 : 1);
    const sorted = await super.sort(files);
    return sorted
      .map((file, index) => ({ file, index }))
      .sort((a, b) => a.file.project.config.sequence.groupOrder - b.file.project.config.sequence.groupOrder || part(a.file) - part(b.file) || a.index - b.index)
      .map(({ file }) => file);
  }
}
