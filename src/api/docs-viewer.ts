import { readFileSync } from 'node:fs';
import path from 'node:path';

// The /docs page: Swagger UI from the swagger-ui-dist package, every file served by the API itself, so that the page
// works on an operator's laptop without internet access.

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

export const DOCS_PATH = '/docs';
export const ASSETS_PATH = `${DOCS_PATH}/assets`;
export const OPENAPI_PATH = '/openapi.json';

/** Starts Swagger UI on the document. Its default validator badge sends the document to an online service: off. */
const STARTER_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${OPENAPI_PATH}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

export interface DocsAsset {
  contentType: string;
  read(): Uint8Array<ArrayBuffer> | string;
}

function packageFile(name: string, contentType: string): DocsAsset {
  return { contentType, read: () => new Uint8Array(readFileSync(path.join(SWAGGER_UI_DIR, name))) };
}

/** Every file the page loads, by name under ASSETS_PATH. */
export const DOCS_ASSETS: Record<string, DocsAsset> = {
  'swagger-ui.css': packageFile('swagger-ui.css', 'text/css; charset=utf-8'),
  'swagger-ui-bundle.js': packageFile('swagger-ui-bundle.js', 'text/javascript; charset=utf-8'),
  'favicon-32x32.png': packageFile('favicon-32x32.png', 'image/png'),
  'start.js': { contentType: 'text/javascript; charset=utf-8', read: () => STARTER_SCRIPT },
};

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>yearly-greetings API</title>
    <link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png">
    <link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${ASSETS_PATH}/start.js"></script>
  </body>
</html>
`;

/**
 * Only this origin may serve the page's scripts, styles and calls, so a viewer that reached for a CDN would break
 * here too, not only offline. Swagger UI sets inline styles and draws some icons as data: images.
 */
export const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'";
