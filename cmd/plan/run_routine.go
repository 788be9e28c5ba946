package main

import (
	"github.com/specplan/specplan/routines"
)

// loadRoutineRunnable compiles a .routine (or .routine.txt) with its
// --input values (routines.Compile, through compileAny) and checks its
// runs' forced parameters (routines.ForcedArgs).
func loadRoutineRunnable(f *agentFlags) (*runnable, error) {
	spec, err := f.compileAny(f.Spec, f.routineFlags)
	if err != nil {
		return nil, err
	}
	r, src, _, opts, err := f.loadRoutine(f.Spec, f.routineLimits)
	if err != nil {
		return nil, inputErr(err)
	}
	inputs, err := f.inputs(opts)
	if err != nil {
		return nil, inputErr(err)
	}
	return &runnable{spec: spec, plan: string(src), forced: routines.ForcedArgs(r, inputs)}, nil
}
