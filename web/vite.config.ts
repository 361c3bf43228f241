import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console (docs/console.md): a static bundle. What differs per stage (the API URL, the user
 * pool, its app client and hosted UI domain) is read at start from `/config.json`, which the
 * deploy writes beside the bundle and the local stack serves, so one build serves every stage.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // No inline scripts or styles in index.html: the Content-Security-Policy allows neither.
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false, modulePreload: { polyfill: false } },
});
