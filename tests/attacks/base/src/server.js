const express = require("express");
const { Pool } = require("pg");

const app = express();
const pool = new Pool({ connectionString: process.env.DATABASE_URL });

app.get("/healthz", async (_req, res) => {
  await pool.query("select 1");
  res.json({ ok: true });
});

app.listen(process.env.PORT || 3000);
