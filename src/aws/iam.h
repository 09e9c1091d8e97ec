/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IAM policy evaluation: can the role behind an instance profile perform an
 * action on a resource, and which statements decide it. Evaluates the role's
 * identity policies (attached managed policies' default version and inline
 * policies) and its permissions boundary over the model loaded from
 * get-account-authorization-details, following AWS's order: an explicit Deny
 * wins, then an Allow is needed in the identity policies and, when there is
 * a boundary, in the boundary too; nothing allowing is an implicit deny.
 *
 * Conditions are never assumed away: an Allow under a Condition makes the
 * answer IAM_CONDITIONAL, and a Deny under a Condition that could apply
 * makes an otherwise allowed answer IAM_CONDITIONAL (it is not a certain
 * deny). Missing data (no IAM input for the account, an unknown profile,
 * role or attached policy) gives IAM_UNKNOWN with the reason, never a deny.
 *
 * Queries: `action` is "service:Name" (matched case-insensitively against
 * the statements' patterns); `resource` is an ARN matched case-sensitively.
 * Either may itself hold `*`/`?` wildcards, which then mean "some action /
 * some resource matching this": arn:aws:s3:::*\/\* asks "can it read some
 * object in some bucket". For such a query an Allow counts when its patterns
 * meet the query's, and a Deny is certain only when it covers all of it (or
 * all of what an Allow grants); see docs/iam.md.
 *
 * Ownership: every pointer in a struct iam_result (reason, statement
 * references, evidence locations) lives in the model's arena and stays valid
 * until mm_model_release(). The model is otherwise only read.
 */
#ifndef MM_IAM_H
#define MM_IAM_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/model.h"
#include "base/err.h"

enum iam_decision {
	IAM_UNKNOWN,	   /* the data needed is missing: see reason */
	IAM_ALLOW,	   /* allowed without any condition */
	IAM_DENY,	   /* an explicit Deny without condition applies */
	IAM_IMPLICIT_DENY, /* nothing allows it (or the boundary does not) */
	IAM_CONDITIONAL,   /* allowed only if some Condition holds / does not hold */
};

/* "ALLOW", "DENY", "IMPLICIT_DENY", "CONDITIONAL", "UNKNOWN". */
const char *iam_decision_name(enum iam_decision d);

/* One statement that took part in the decision. */
struct iam_stmt_ref {
	const char *policy_arn;	 /* managed policy ARN; NULL for an inline policy */
	const char *policy_name; /* managed or inline policy name (may be NULL) */
	bool boundary;		 /* the statement is in the permissions boundary */
	bool deny;		 /* Effect Deny (else Allow) */
	bool conditional;	 /* the statement has a Condition */
	long index;		 /* index in Statement (0 when Statement is an object);
				    -1: the policy as a whole (a boundary allowing nothing) */
	const char *sid;	 /* NULL if none */
	struct mm_loc loc;	 /* snapshot file + JSON pointer to the statement */
	const struct json *js;	 /* the statement itself (NULL for index -1) */
};

struct iam_result {
	enum iam_decision decision;
	const char *role;   /* role name evaluated, NULL if none was found */
	const char *reason; /* one line: why this decision */
	/* Deciding statements: the Denies for IAM_DENY, the Allows (identity and
	 * boundary) for IAM_ALLOW, the conditional Allows and the conditional
	 * Denies that could apply for IAM_CONDITIONAL, the boundary policy for
	 * an implicit deny by the boundary; empty otherwise. */
	struct iam_stmt_ref *stmts;
	size_t nstmts;
};

/*
 * Evaluate `action` on `resource` for the role of the instance profile
 * `profile_arn`. Returns 0 with *out filled (IAM_UNKNOWN included), or
 * MM_EUSAGE for NULL arguments.
 */
int iam_eval_instance_profile(struct mm_model *m, const char *profile_arn, const char *action,
			      const char *resource, struct iam_result *out, struct mm_err *e);

/* The same for a role given by name. */
int iam_eval_role(struct mm_model *m, const char *role_name, const char *action,
		  const char *resource, struct iam_result *out, struct mm_err *e);

/*
 * Wildcard matching as IAM does it: `*` any run of characters, `?` one
 * character. iam_glob_covers(): every string `query` can stand for matches
 * `pat` (for a query without wildcards: plain matching). iam_glob_meets():
 * some string matches both. Patterns over 4096 bytes never cover and always
 * meet (policies are far smaller; the answer errs towards "could apply").
 */
bool iam_glob_covers(const char *pat, const char *query, bool ci);
bool iam_glob_meets(const char *pat, const char *query, bool ci);

#endif
