// Posts the Terraform plans of a pull request as one comment, and updates that comment on every later run
// instead of adding another. Called by actions/github-script in .github/workflows/deploy.yml.
//
// Input comes only from the environment and from files (never from expressions interpolated into code):
//   PLANS_DIR          directory with one <stack>-<environment>/plan.txt per successful plan
//   PLAN_ENVIRONMENTS  JSON list of the planned environments      PLAN_STACKS  JSON list of the stacks
//   PLAN_RESULT        result of the plan job (success, failure, cancelled, skipped)
//   RUN_URL            link to the workflow run                   HEAD_SHA     commit that was planned
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const MARKER = '<!-- baton-terraform-plan -->';
// GitHub rejects comments over 65536 characters; keep room for the headings around the plans.
const COMMENT_BUDGET = 60000;

function parseList(value, fallback) {
  try {
    const parsed = JSON.parse(value || '');
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) {
      return parsed;
    }
  } catch {
    // fall through to the default
  }
  return fallback;
}

// The "Plan: ..." or "No changes." line of a plan, for the collapsed heading.
function summarize(text) {
  const match = text.match(/^(Plan: .+|No changes\..*|You can apply this plan .+)$/m);
  return match ? match[1].trim() : 'plan';
}

// Terraform marks changes with an indented +, - or ~; moved to the start of the line they render as a diff.
function asDiff(text) {
  return text.replace(/^([ \t]*)([+\-~])(?=[ \t])/gm, (_, indent, sign) => `${sign === '~' ? '!' : sign}${indent}`);
}

function truncate(text, limit) {
  if (text.length <= limit) {
    return text;
  }
  const kept = text.slice(0, Math.max(0, limit));
  const cut = kept.lastIndexOf('\n');
  const head = cut > 0 ? kept.slice(0, cut) : kept;
  return `${head}\n\n... ${text.length - head.length} more characters: the full plan is in the run's plan artifact and job summary.`;
}

// A code fence longer than any run of backticks inside the text, so plan output cannot close it.
function fence(text) {
  const longest = Math.max(0, ...(text.match(/`+/g) || []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function escapeHtml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function readPlans(dir, stacks, environments) {
  const plans = [];
  for (const environment of environments) {
    for (const stack of stacks) {
      const file = path.join(dir || '.', `${stack}-${environment}`, 'plan.txt');
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
      plans.push({ stack, environment, text });
    }
  }
  return plans;
}

function buildBody({ plans, result, runUrl, sha }) {
  const header = [
    MARKER,
    '### Terraform plans',
    '',
    `Commit ${sha ? `\`${String(sha).slice(0, 12)}\`` : '(unknown)'} · plan job: **${result || 'unknown'}** · [workflow run](${runUrl})`,
    '',
  ].join('\n');
  const perPlan = Math.floor((COMMENT_BUDGET - header.length) / Math.max(1, plans.length)) - 200;
  const sections = plans.map(({ stack, environment, text }) => {
    const title = `<code>${escapeHtml(stack)}</code> · <code>${escapeHtml(environment)}</code>`;
    if (text === null) {
      return `#### ${title}\n\nNo plan: the plan job did not finish for this stack and environment (see the workflow run).\n`;
    }
    const body = truncate(asDiff(text.trimEnd()), perPlan);
    const marks = fence(body);
    return [
      `<details><summary>${title}: ${escapeHtml(summarize(text))}</summary>`,
      '',
      `${marks}diff`,
      body,
      marks,
      '',
      '</details>',
      '',
    ].join('\n');
  });
  return `${header}\n${sections.join('\n')}`;
}

async function postPlans({ github, context, core, env = process.env }) {
  const environments = parseList(env.PLAN_ENVIRONMENTS, ['staging', 'production']);
  const stacks = parseList(env.PLAN_STACKS, ['relay', 'fifo']);
  const plans = readPlans(env.PLANS_DIR, stacks, environments);
  const body = buildBody({ plans, result: env.PLAN_RESULT, runUrl: env.RUN_URL, sha: env.HEAD_SHA });

  const { owner, repo } = context.repo;
  const issueNumber = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const previous = comments.find(
    (comment) => comment.user && comment.user.type === 'Bot' && (comment.body || '').startsWith(MARKER),
  );
  if (previous) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
    core.info(`updated plan comment ${previous.id}`);
  } else {
    const { data } = await github.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    core.info(`created plan comment ${data.id}`);
  }
  return body;
}

module.exports = postPlans;
module.exports.buildBody = buildBody;
module.exports.readPlans = readPlans;
module.exports.MARKER = MARKER;
module.exports.COMMENT_BUDGET = COMMENT_BUDGET;
