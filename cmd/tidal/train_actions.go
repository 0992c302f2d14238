package main

import (
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/trainrun"
)

// Action-conditioned video prediction (docs/VIDEO.md): training and forecasting on video files in the
// BAIR layout (`tidal data pushing`), with the actions as conditioning; trainrun prepares the training.

// actionsNone is the --actions value that ignores a video file's actions.
const actionsNone = trainrun.ActionsNone

// videoPMean is `train dydiff`'s default --p-mean on videos with actions (trainrun.VideoPMean).
const videoPMean = trainrun.VideoPMean

// addTrainActionsFlag adds --actions to `train dydiff`.
func addTrainActionsFlag(f *pflag.FlagSet, v *string) {
	f.StringVar(v, "actions", "", "video data (--data FILE.npz with frames and actions): none trains without the file's actions; empty (default) conditions the model on them")
}

// isVideoFile says whether path is a video file (trainrun.IsVideoFile).
func isVideoFile(path string) bool { return trainrun.IsVideoFile(path) }

// statVideoFlag checks the video file of a flag without reading its values (trainrun.StatVideoFlag).
func statVideoFlag(flag, path string) ([]int, int, error) { return trainrun.StatVideoFlag(flag, path) }

// readVideoFlag reads the video file of a flag within the memory budget (trainrun.ReadVideoFlag).
func readVideoFlag(flag, path string, b guard.Budget) (*dataset.Videos, error) {
	return trainrun.ReadVideoFlag(flag, path, b)
}
