/** Whether the tests run in CI: there, a suite whose prerequisite is missing fails instead of skipping. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['CI'];
  return value !== undefined && value !== '' && value !== 'false';
}
