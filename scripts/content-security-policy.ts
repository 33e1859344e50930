// The built page's Content-Security-Policy: scripts, workers and styles from the page's own origin,
// WebAssembly compiled (the engine's kernels, onnxruntime-web), connections to the origin and the Hugging Face
// Hub only. An injected string can then never run as script, whatever the rendering does with it.
import type { Plugin } from 'vite';

const DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'", 'blob:'],
  // Hub downloads redirect to its CDN hosts (cdn-lfs.hf.co, cas-bridge.xethub.hf.co); the build inlines the
  // embedded model's small files (config.json, the tokenizer's) as data: URLs, which the worker fetches.
  'connect-src': ["'self'", 'data:', 'https://huggingface.co', 'https://*.hf.co', 'https://*.huggingface.co'],
  // Thumbnails and the image to classify are object URLs.
  'img-src': ["'self'", 'blob:', 'data:'],
  // React and d3 set style attributes.
  'style-src': ["'self'", "'unsafe-inline'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

export const CONTENT_SECURITY_POLICY = Object.entries(DIRECTIVES)
  .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
  .join('; ');

/**
 * The policy as a meta tag in the built index.html, so it holds on any static host. Not on the dev server:
 * its hot reload runs an inline script the policy refuses.
 */
export function contentSecurityPolicyPlugin(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}
