// The labeled ids a config's split draws (dataset.labeled N from a train list, split_seed S), one per line, as
// bench/torch_camvid_suponly.py reads them. Run from the repository root after ./build.sh:
//   dotnet fsi bench/labeled_split.fsx ../shared/datasets/camvid-180x240/train.txt 46 0 > labeled46.txt
#r "../Client/bin/Release/net10.0/U2PL.Segmentation.dll"
open U2PL.Segmentation.Data

let args = fsi.CommandLineArgs |> Array.skip 1
let ids = System.IO.File.ReadAllLines args.[0] |> Array.map (fun line -> line.Trim()) |> Array.filter (fun id -> id <> "")
let partition = Partition.Create(ids, PartitionSize.Parse args.[1], int64 args.[2], null)
partition.Labeled |> Seq.iter (printfn "%s")
