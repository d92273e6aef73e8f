// What every request to GitHub's REST API carries: its media type, and the API version we were
// written against (https://docs.github.com/en/rest/about-the-rest-api/api-versions).
export const GITHUB_API_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' } as const;
