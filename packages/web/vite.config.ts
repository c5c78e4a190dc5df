import { defineConfig } from 'vite';

/** The Presence server a dev build talks to (`npm start` listens here by default). */
const backend = 'http://127.0.0.1:7880';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // Preact components are plain TSX: esbuild's automatic JSX runtime is the whole compiler step.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      // zod's bundled code carries /*#__PURE__*/ comments where Rollup cannot use them; Rollup says
      // so at length on every build, which reads like a failure. Nothing is wrong: drop that one.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/ws': { target: backend, ws: true, changeOrigin: true },
      '/api': { target: backend, changeOrigin: true },
      '/avatars': { target: backend, changeOrigin: true },
      '/healthz': { target: backend, changeOrigin: true },
    },
  },
  preview: { host: '127.0.0.1', port: 4173 },
});
