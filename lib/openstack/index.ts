export * from './errors.js';
export { createHttpClient, type HttpClient, type HttpRequest, type HttpResponse } from './http.js';
export { createSession, type OpenStackSession, type ServiceRequest, type ServiceType } from './session.js';
export * from './nova/index.js';
export { listProjectMembers, type ProjectMember } from './keystone/role-assignments.js';
export { getUser, type User } from './keystone/users.js';
export { getProject, type Project } from './keystone/projects.js';
export { getImageProperties, getImageMarks, listImageMarks, type ImageMarks } from './images.js';
export * from './placement/index.js';
