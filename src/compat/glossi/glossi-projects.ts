/**
 * Glossi's projects: a READY model plus a template, nothing more (Renderbay keeps no
 * project state of its own). `createPerModel` makes one per model; a project of several
 * models is refused, since every Renderbay job renders one model.
 */
import { findOwnedRow } from '../../db/statements.js';
import type { AppContext } from '../../context.js';
import { RenderbayError } from '../../errors.js';
import { newId, nowIso } from '../../ids.js';
import { LIMITS } from '../../limits.js';
import { findTemplate } from '../../templates/template-service.js';
import { isObject, readyModel } from './glossi-models.js';
import { projectCreatedPayload } from './glossi-events.js';
import { publishGlossiEvent } from '../../webhooks/events.js';

export interface ProjectRow {
  id: string;
  account_id: string;
  name: string;
  glossi_model_id: string;
  template_id: string;
}

const toProject = (row: Pick<ProjectRow, 'id' | 'name' | 'glossi_model_id' | 'template_id'>) => ({
  projectId: row.id,
  name: row.name,
  status: 'READY',
  modelIds: [row.glossi_model_id],
  templateId: row.template_id,
});

/** `POST /api/v1/projects { name, modelIds, templateId, createPerModel }`. */
export function createProjects(context: AppContext, accountId: string, body: unknown) {
  const { name, modelIds, templateId, createPerModel } = isObject(body) ? body : {};
  if (!Array.isArray(modelIds) || modelIds.length === 0) throw new RenderbayError('invalid_request', 'modelIds must be a non-empty array of model ids');
  if (modelIds.length > LIMITS.maxCompatBatch) throw new RenderbayError('too_many', `At most ${LIMITS.maxCompatBatch} modelIds per request`);
  if (modelIds.length > 1 && createPerModel !== true) {
    throw new RenderbayError('invalid_request', 'A project holds one model here: send one modelId, or set createPerModel: true for one project per model');
  }
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) throw new RenderbayError('invalid_request', 'name must be text of at most 200 characters');
  const template = findTemplate(context.db, accountId, templateId);
  const models = modelIds.map((id) => readyModel(context, accountId, id).record);
  const projects = models.map((model) => ({
    id: newId(),
    name: typeof name === 'string' && name.trim() !== '' ? name.trim() : model.name,
    glossi_model_id: model.id,
    template_id: template.id,
  }));
  const insert = context.db.prepare('INSERT INTO glossi_projects (id, account_id, name, glossi_model_id, template_id, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  context.db.transaction(() =>
    projects.forEach((project) => {
      insert.run(project.id, accountId, project.name, project.glossi_model_id, project.template_id, nowIso());
      publishGlossiEvent(context.db, accountId, projectCreatedPayload(toProject(project)));
    }),
  )();
  return { projects: projects.map(toProject) };
}

export function findProject(context: AppContext, accountId: string, id: unknown): ProjectRow {
  return findOwnedRow<ProjectRow>(context.db, 'glossi_projects', accountId, id, () => new RenderbayError('project_not_found', `Project not found: ${String(id).slice(0, 100)}`, 404));
}
