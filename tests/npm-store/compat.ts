// Drizzle compatibility: the seed's schema.ts (path in SEED_SCHEMA) against a
// database that reel created (DATABASE_URL). Inserts and reads a job, an
// asset, a plan and a trace with Drizzle; reads what reel wrote (REEL_JOB_ID);
// prints the ids it wrote as JSON for the shell test to check with reel.
const { drizzle } = require('drizzle-orm/node-postgres');
const { eq, asc } = require('drizzle-orm');
const { Pool } = require('pg');
const schema = require(process.env.SEED_SCHEMA as string);

function check(cond: unknown, what: string) {
  if (!cond) {
    throw new Error('check failed: ' + what);
  }
}

async function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  const db = drizzle(pool, { schema });
  const { jobs, assets, editPlans, traces } = schema;
  const userId = '7d3e2f10-1c2b-4a5d-8e9f-0a1b2c3d4e5f';

  // Write with Drizzle.
  const [job] = await db.insert(jobs).values({ userId, title: 'from drizzle' }).returning();
  check(job.status === 'pending', 'default status pending');
  check(job.createdAt instanceof Date, 'created_at is a timestamp');
  const [asset] = await db.insert(assets).values({
    jobId: job.id, storageUrl: '/media/drizzle.mp4', assetType: 'raw_footage',
    metadata: { duration: 12.5, width: 1920, height: 1080, fps: 30 },
  }).returning();
  const [plan] = await db.insert(editPlans).values({
    jobId: job.id, planData: { schema: 'reel.editplan/1', operations: [{ op: 'cut' }] },
    llmModel: 'drizzle-test', promptTokens: 11, completionTokens: 7,
  }).returning();
  check(plan.version === 1, 'default version 1');
  await db.update(jobs).set({ editPlanId: plan.id, updatedAt: new Date() }).where(eq(jobs.id, job.id));
  const [trace] = await db.insert(traces).values({
    jobId: job.id, traceId: '0af7651916cd43dd8448eb211c80319c', stepName: 'drizzle-step',
    ffmpegArgs: 'ffmpeg -i in.mp4 out.mp4', renderTimeMs: 1500, logs: 'all good',
    payload: { inputs: ['in.mp4'] },
  }).returning();
  check(trace.isFailure === 'false', "default is_failure 'false'");

  // Read it back with Drizzle.
  const back = await db.select().from(jobs).where(eq(jobs.id, job.id));
  check(back.length === 1 && back[0].editPlanId === plan.id, 'job reads back with its plan');
  const a2 = await db.select().from(assets).where(eq(assets.jobId, job.id));
  check(a2.length === 1 && a2[0].metadata.width === 1920, 'asset metadata jsonb');
  const p2 = await db.select().from(editPlans).where(eq(editPlans.jobId, job.id));
  check(p2.length === 1 && p2[0].planData.operations[0].op === 'cut', 'plan data jsonb');
  const t2 = await db.select().from(traces).where(eq(traces.jobId, job.id));
  check(t2.length === 1 && t2[0].renderTimeMs === 1500, 'trace row');

  // Read what reel wrote.
  const reelJobId = process.env.REEL_JOB_ID as string;
  const rj = await db.select().from(jobs).where(eq(jobs.id, reelJobId));
  check(rj.length === 1, 'reel job visible');
  check(rj[0].status === 'completed', 'reel job status is a job_status: ' + rj[0].status);
  check(rj[0].title === 'made by reel', 'reel job title');
  check(rj[0].userId === '00000000-0000-0000-0000-000000000000', 'reel job user');
  const ra = await db.select().from(assets).where(eq(assets.jobId, reelJobId));
  check(ra.length === 1 && ra[0].assetType === 'raw_footage' && typeof ra[0].metadata === 'object',
        'reel asset');
  const rt = await db.select().from(traces).where(eq(traces.jobId, reelJobId)).orderBy(asc(traces.createdAt));
  check(rt.length >= 2, 'reel spans');
  check(rt.every((t: any) => /^[0-9a-f]{32}$/.test(t.traceId)), 'trace ids are 32 hex');
  check(rt.some((t: any) => t.stepName === 'noop' && t.ffmpegArgs === 'true' && t.isFailure === 'false'),
        'reel noop span');
  const rp = await db.select().from(editPlans).where(eq(editPlans.jobId, reelJobId));
  check(rp.length === 0, 'no plan for the reel job');

  console.log(JSON.stringify({ job: job.id, asset: asset.id, plan: plan.id, trace: trace.id }));
  await pool.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
