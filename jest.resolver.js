/**
 * Resolves the ESM-only Flux CRD models (and their kubernetes-models dependencies) through their `import`
 * export condition; everything else resolves as Jest always does.
 */
const ESM_ONLY = /^(@kubernetes-models\/|kubernetes-models(\/|$))/;

module.exports = (request, options) =>
  options.defaultResolver(request, ESM_ONLY.test(request) ? { ...options, conditions: ["import", "default"] } : options);
