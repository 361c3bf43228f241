/** SQL files are imported as text (esbuild `loader: { .sql: text }`, and the vitest plugin in vitest.config.ts). */
declare module '*.sql' {
  const text: string;
  export default text;
}
