export { runGit, GitError, GIT_MAX_BUFFER, type RunGitOptions } from "./run";
export { checkRefName, isSha, validateRepositoryUrl, MAX_REF_NAME_BYTES, type Check } from "./refs";
export { Mirror, parseCatFileBatch, type BranchHead, type BranchListing, type CommitInfo } from "./mirror";
